"""index nodes: a fingerprint of each node's SECRET_KEY

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Empty until each node's indexer next records itself (within seconds).
    op.add_column('index_nodes',
                  sa.Column('key_fingerprint', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('index_nodes') as batch_op:
        batch_op.drop_column('key_fingerprint')
