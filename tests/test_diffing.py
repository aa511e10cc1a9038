"""Word-level diffs: what the history page marks as removed and added."""
from app.diffing import Segment, has_changes, word_diff


def test_one_changed_word_is_marked_alone():
    segments = word_diff("De provincie besloot snel.", "De gemeente besloot snel.")
    assert segments == [
        Segment("same", "De "),
        Segment("removed", "provincie "),
        Segment("added", "gemeente "),
        Segment("same", "besloot snel."),
    ]


def test_joined_segments_give_back_both_texts():
    old = "Het Rijk hield vast aan de wet.\n\nDe bewoners wilden praten."
    new = "Het Rijk koos voor overleg.\n\nDe bewoners wilden praten, en snel."
    segments = word_diff(old, new)
    assert "".join(s.text for s in segments if s.change != "added") == old
    assert "".join(s.text for s in segments if s.change != "removed") == new


def test_frequent_words_do_not_turn_a_long_text_into_a_rewrite():
    old = " ".join(["de weg en het water"] * 200)
    new = old.replace("water", "waterschap", 1)
    removed = [s.text for s in word_diff(old, new) if s.change == "removed"]
    assert removed == ["water "]


def test_equal_and_empty_texts():
    assert not has_changes(word_diff("gelijk", "gelijk"))
    assert word_diff("", "nieuw") == [Segment("added", "nieuw")]
    assert word_diff("weg", "") == [Segment("removed", "weg")]
    assert word_diff("", "") == []
