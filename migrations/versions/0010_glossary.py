"""glossary: English words and phrases that lead a search to Dutch ones

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-11

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('glossary_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('english', sa.JSON(), nullable=False),
    sa.Column('dutch', sa.JSON(), nullable=False),
    sa.Column('english_only', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_entries')),
    sqlite_autoincrement=True
    )


def downgrade():
    op.drop_table('glossary_entries')
