import pytest

from tests.delais import semer_delais_nationaux


@pytest.fixture(autouse=True)
def _delais_nationaux(request: pytest.FixtureRequest) -> None:
    """Un test transactionnel part de tables vides : la garde du délai de convocation a besoin
    des délais nationaux que les migrations avaient semés."""
    marqueur = request.node.get_closest_marker("django_db")
    if marqueur is not None and marqueur.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        semer_delais_nationaux()
