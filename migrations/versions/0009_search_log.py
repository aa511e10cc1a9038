"""search log: searches that found little, counted per query, day and hashed searcher

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('missed_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('searcher', sa.String(length=32), nullable=False),
    sa.Column('searches', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_missed_searches')),
    sa.UniqueConstraint('day', 'query', 'searcher', name=op.f('uq_missed_searches_day'))
    )
    op.create_table('search_log_salts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_search_log_salts'))
    )


def downgrade():
    op.drop_table('search_log_salts')
    op.drop_table('missed_searches')
