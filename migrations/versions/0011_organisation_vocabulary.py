"""organisation vocabulary: terms get a category, a parent and aliases; a case points at its organisation

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

Cases keep their organisation text; `flask content import` (part of `make run`) then maps
each text it finds in the new `organisations` vocabulary of content/taxonomy.yml to its
term, and leaves the rest for the editors to file. Nothing is mapped here: the vocabulary
is content, which only the import reads.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=40), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('aliases', sa.JSON(), server_default=sa.text("'[]'"),
                                      nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_terms_parent_id_terms'), 'terms',
                                    ['parent_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cases_organisation_id_terms'), 'terms',
                                    ['organisation_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_cases_organisation_id'), ['organisation_id'],
                              unique=False)


def downgrade():
    # A mapped case keeps only its term: its organisation's label becomes its text again.
    op.execute("UPDATE cases SET organisation = (SELECT label FROM terms"
               " WHERE terms.id = cases.organisation_id) WHERE organisation_id IS NOT NULL")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_organisation_id'))
        batch_op.drop_constraint(batch_op.f('fk_cases_organisation_id_terms'),
                                 type_='foreignkey')
        batch_op.drop_column('organisation_id')

    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_terms_parent_id_terms'), type_='foreignkey')
        batch_op.drop_column('aliases')
        batch_op.drop_column('parent_id')
        batch_op.drop_column('category')
