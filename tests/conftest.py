import os
from pathlib import Path

import pytest

from servers import Server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The faithful local copy of the OOH that sits beside the project (see README).
BLS_COPY = Path(os.environ.get("OOH_LOCAL_COPY", ROOT.parent / "shared" / "bls-ooh"))


def need_bls_copy():
    if not (BLS_COPY / "ooh" / "a-z-index.htm").is_file():
        pytest.skip(f"the local copy of the OOH is not at {BLS_COPY} (set OOH_LOCAL_COPY to its folder)")
    return BLS_COPY


@pytest.fixture
def fixture_site():
    """Our own small OOH fixture pages, served over real HTTP on loopback."""
    server = Server(FIXTURES / "ooh")
    yield server
    server.close()


@pytest.fixture(scope="session")
def bls_site():
    """The full local copy of the OOH, served over real HTTP on loopback."""
    server = Server(need_bls_copy())
    yield server
    server.close()
