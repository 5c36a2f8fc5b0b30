"""Approval rules as properties: whatever the votes, the outcome follows the rule's arithmetic."""

from hypothesis import given
from hypothesis import strategies as st

from workflows.approval_policy import ApprovalPolicy, Outcome, Rule, outcome

policies = st.builds(
    ApprovalPolicy,
    rule=st.sampled_from(Rule),
    quorum=st.integers(min_value=1, max_value=6),
    rejections=st.integers(min_value=1, max_value=6),
)


@st.composite
def tallies(draw: st.DrawFn) -> tuple[int, int, int]:
    """(approvers, approvals, rejections) with no more votes than approvers."""
    approvers = draw(st.integers(min_value=1, max_value=8))
    approvals = draw(st.integers(min_value=0, max_value=approvers))
    rejections = draw(st.integers(min_value=0, max_value=approvers - approvals))
    return approvers, approvals, rejections


@given(policies, tallies())
def test_enough_approvals_approve_and_never_too_few(
    policy: ApprovalPolicy, tally: tuple[int, int, int]
) -> None:
    approvers, approvals, rejections = tally
    needed = policy.needed(approvers)
    decided = outcome(policy, approvers, approvals, rejections)

    assert 1 <= needed <= approvers
    assert (decided == Outcome.APPROVED) == (approvals >= needed)


@given(policies, tallies())
def test_a_ticket_is_rejected_exactly_when_rejections_or_arithmetic_rule_out_approval(
    policy: ApprovalPolicy, tally: tuple[int, int, int]
) -> None:
    approvers, approvals, rejections = tally
    needed = policy.needed(approvers)
    decided = outcome(policy, approvers, approvals, rejections)

    cannot_reach = approvers - rejections < needed
    if approvals < needed:
        assert (decided == Outcome.REJECTED) == (rejections >= policy.rejections or cannot_reach)


@given(policies, st.integers(min_value=1, max_value=8))
def test_pending_can_still_be_decided_either_way_by_the_remaining_votes(
    policy: ApprovalPolicy, approvers: int
) -> None:
    # With nobody having voted, all approving approves and all rejecting rejects.
    assert outcome(policy, approvers, 0, 0) in (Outcome.PENDING, Outcome.APPROVED)
    assert outcome(policy, approvers, approvers, 0) == Outcome.APPROVED
    assert outcome(policy, approvers, 0, approvers) == Outcome.REJECTED


@given(policies, tallies())
def test_one_more_approval_never_turns_an_approval_into_anything_else(
    policy: ApprovalPolicy, tally: tuple[int, int, int]
) -> None:
    approvers, approvals, rejections = tally
    if (
        approvals + rejections < approvers
        and outcome(policy, approvers, approvals, rejections) == Outcome.APPROVED
    ):
        assert outcome(policy, approvers, approvals + 1, rejections) == Outcome.APPROVED
