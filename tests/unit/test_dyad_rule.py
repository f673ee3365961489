"""The dyad rule of pipeline/conventions.yaml, on made-up actors: state first, civilians second,
non-state groups by alignment, the same order whichever way round a sheet names them."""
import pytest

from pipeline.structure import order_pair

pytestmark = pytest.mark.unit

REGISTRY = {
    "mali": {"type": "state", "alignment": "state"},
    "jnim": {"type": "coalition", "alignment": "al-qaeda"},
    "isgs": {"type": "armed_group", "alignment": "islamic-state"},
    "taliban": {"type": "armed_group", "alignment": "taliban"},
    "civilians": {"type": "civilians", "alignment": "other"},
    "niger": {"type": "state", "alignment": "state"},
}


@pytest.mark.parametrize("a, b, expected", [
    ("isgs", "mali", ("mali", "isgs", 1)),
    ("niger", "mali", ("mali", "niger", 1)),
    ("civilians", "isgs", ("isgs", "civilians", 3)),
    ("isgs", "jnim", ("jnim", "isgs", 2)),
    ("taliban", "isgs", ("isgs", "taliban", 2)),
])
def test_a_pair_gets_one_order_and_ucdps_type_of_violence(a, b, expected):
    assert order_pair(a, b, REGISTRY) == expected
    assert order_pair(b, a, REGISTRY) == expected
