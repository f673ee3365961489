"""The candidate finder flags the sentences the issue names, and only those."""
import re

import pytest

from pipeline import candidates, ingest

pytestmark = pytest.mark.unit

NAMES = re.compile(r"\b(?:Taliban|ISIL|JNIM)\b")


def flags(sentence):
    return candidates.flag(sentence, NAMES)


def test_a_number_next_to_a_casualty_word_is_flagged():
    assert "casualty" in flags("After that, ISIL attacked the Taliban killing 79 Taliban fighters.")
    assert "casualty" in flags("Mawlawi Khadem along with dozens of Islamic State fighters were killed in the airstrike.")


def test_a_number_far_from_any_casualty_word_is_not_a_casualty_candidate():
    assert "casualty" not in flags("The group ruled over 200,000 people on five-hundred-square-kilometres of territory; its fighters were later killed in the war.")


def test_pledge_vocabulary_is_flagged():
    for s in ("He pledged allegiance to Al-Qaeda.", "Al-Khalayleh gave his bayat to al-Qaeda.", "Some militants joined the Islamic State.",
              "Many fighters defected to ISGS.", "The group was recognized by al-Baghdadi.", "al-Qaeda officially disavowed themself from ISIL.",
              "Belmokhtar denounced Sahrawi's bay'ah.", "Do we renew the baya in public?"):
        assert "pledge" in flags(s), s


def test_a_date_next_to_a_known_actor_is_flagged_and_may_the_verb_is_not_a_date():
    assert "dated_actor" in flags("In October 2013, JNIM gave a final chance.")
    assert "dated_actor" not in flags("ISIL may have gained notoriety.")
    assert flags("The weather was fine in the valley.") == []


def test_boilerplate_sentences_are_never_candidates():
    text = "==A==\nThe Taliban killed 5 ISIL fighters in 2019.\nLeave a Reply\n1. Pingback: ISIL killed 3 in 2019 | Blog\n"
    lines, sentences = ingest.segment(text, {"heading_style": "wiki"}, ingest.boilerplate_rules())
    found = candidates.find({"text": text, "sentences": sentences}, NAMES)
    assert [text[f["start"]:f["end"]] for f in found] == ["The Taliban killed 5 ISIL fighters in 2019."]
