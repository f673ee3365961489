"""The cut keeps what a source publishes as sorted runs, added to one excerpt at a time: held to
_runs and _fits over everything at once (the plain, quadratic form), on random texts and spans."""
import random

import pytest

from pipeline import policy

pytestmark = pytest.mark.unit

WORDS = "al qaeda , islamic state ; jnim - isgs . war of the in and".split()


@pytest.mark.parametrize("seed", range(40))
def test_runs_added_one_at_a_time_are_the_runs_of_all(seed):
    rng = random.Random(seed)
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 300)))
    base = [(a, a + rng.randint(1, 40)) for a in rng.sample(range(len(text)), min(rng.randint(0, 6), len(text)))]
    passages, added = policy._Passages(base, text), list(base)
    budget = rng.randint(10, len(text))
    for _ in range(60):
        start = rng.randint(0, len(text) - 1)
        end = rng.randint(start + 1, min(len(text), start + 300))
        assert passages.fits(start, end, budget) == policy._fits(added + [(start, end)], text, budget)
        if rng.random() < 0.5:
            passages.add(start, end)
            added.append((start, end))
            assert passages.runs == policy._runs(added, text)
            assert passages.total == sum(b - a for a, b in passages.runs)
