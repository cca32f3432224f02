from tests.admin.conftest import client_as, desk, support  # noqa: F401 (the desk's fixtures)
