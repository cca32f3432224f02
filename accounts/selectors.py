from __future__ import annotations

from accounts.models import User
from echo_disputes import rawsql

# What the policies and the authentication read of the caller, on the paths that read the
# caller's row inside their own statement; anything else about the caller is read on first use.
READER_FIELDS = ("id", "username", "email", "is_active", "is_staff", "is_superuser")


def user_get_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def user_get_for_request(*, user_id: int) -> User | None:
    """The user row for authenticating a request, read without the ORM's query building."""
    if not rawsql.is_row_id(user_id):
        return None
    with rawsql.cursor() as cursor:
        cursor.execute(
            f"SELECT {rawsql.select_list(User, 'u')} FROM accounts_user u WHERE u.id = %s",
            [user_id],
        )
        row = cursor.fetchone()
    return None if row is None else rawsql.instance(User, row)
