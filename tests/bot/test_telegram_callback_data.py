"""The callback_data codec: within 64 bytes whatever the ticket number, and refusing forgeries."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.platforms.telegram.callback_data import LIMIT, CallbackCodec, CallbackTooLong, Press
from workflows.lifecycle import Action
from workflows.references import PREFIXES

CODEC = CallbackCodec("123456:a-token")
ACTIONS = [f"ticket:{action.value}" for action in Action] + ["ticket:take"]


@given(
    action=st.sampled_from(ACTIONS),
    prefix=st.sampled_from(sorted(PREFIXES.values())),
    number=st.integers(min_value=1, max_value=999_999_999_999),
)
def test_every_ticket_button_fits_64_bytes_and_comes_back(
    action: str, prefix: str, number: int
) -> None:
    reference = f"{prefix}-{number}"

    data = CODEC.encode(action, reference)

    assert len(data.encode()) <= LIMIT
    assert CODEC.decode(data) == Press(action, reference)


def test_the_longest_ticket_button_is_well_within_the_limit() -> None:
    longest = max(ACTIONS, key=len)

    data = CODEC.encode(longest, "INC-999999999999")

    assert len(data.encode()) == 44


@given(
    action=st.sampled_from(["dialog:choose", "approval:yes"]),
    value=st.text(max_size=40).filter(lambda text: len(text.encode()) <= 40),
)
def test_dialog_choices_and_other_buttons_come_back_as_they_were(action: str, value: str) -> None:
    assert CODEC.decode(CODEC.encode(action, value)) == Press(action, value)


def test_a_value_that_cannot_fit_is_refused_when_rendering_not_sent() -> None:
    with pytest.raises(CallbackTooLong):
        CODEC.encode("dialog:choose", "service=" + "x" * 64)


def test_made_up_or_tampered_data_or_another_bots_decodes_to_nothing() -> None:
    data = CODEC.encode("ticket:acknowledge", "INC-1")

    assert CODEC.decode(data.replace("INC-1", "INC-2")) is None
    assert CODEC.decode("tacknowledge INC-1") is None
    assert CODEC.decode("") is None
    assert CallbackCodec("654321:another-token").decode(data) is None
