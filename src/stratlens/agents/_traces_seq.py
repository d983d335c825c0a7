"""Traces of the styles on sequential trees and on rounds of repeated games."""

from __future__ import annotations

from stratlens.agents._choice import (
    BeliefChoice,
    RepeatedChoice,
    TreeChoice,
    TrustChoice,
)
from stratlens.agents._phrasing import Names, Writer, mix, num, payoff_list
from stratlens.agents._traces_matrix import belief, matrix_body, random_pick

_OPENERS: dict[str, tuple[str, ...]] = {
    "minimax": (
        "For each first move I assume the other will answer in the way that hurts me most",
        "Planning for the worst: after each of my moves, what is the least I can end up with?",
        "I should not count on the other player's goodwill; what does each move guarantee?",
        "Let me check every branch for its worst ending",
    ),
    "trust_based": (
        "If both of us steer toward the outcome with the largest total, where does each move lead?",
        "I expect the other player to go for what is good for both of us, as I will",
        "We both gain most by cooperating along the way, so I look at the totals",
        "Assume goodwill on both sides and see which path leaves us best off together",
    ),
    "belief_anticipation": (
        "I predict each reply from what the other player gains, then pick my best move",
        "The other player looks after its own points; let me anticipate its answers",
        "What would the other player do after each of my moves, given its own interest?",
        "First I work out how they will respond, then choose",
    ),
    "nash": (
        "Working backwards, with each player choosing what is best for itself",
        "Solving from the end of the game: every mover takes its best option",
        "Backward induction: at each step the mover maximises its own payoff",
    ),
    "qre": (
        "Working backwards with noisy choices at every step",
        "Looking ahead, each player picks better moves more often, not always",
        "Each mover leans toward, but does not always take, its better option",
    ),
}


def _branch(w: Writer, style: str, name: str, own: float, reply: str | None) -> str:
    """One root action and what it leads to, in the style's terms."""
    me = num(own)
    if reply is None:
        return w.pick(
            (f"{name} is worth {me} to me", f"{name}: {me} for me", f"{name} gives me {me}")
        )
    by_style = {
        "minimax": (
            f"after {name} the worst reply is {reply}, leaving me {me}",
            f"{name}: they could answer {reply}, and I would be left with {me}",
            f"choosing {name}, I get only {me} if they answer {reply}",
        ),
        "belief_anticipation": (
            f"after {name} they would most likely answer {reply}, leaving me {me}",
            f"{name}: it pays them to answer {reply}, so I get {me}",
            f"choosing {name}, I expect {reply} from them and end up with {me}",
        ),
        "qre": (
            f"after {name} they would mostly answer {reply}, worth {me} to me on average",
            f"{name}: they lean to {reply}; expected {me} for me",
        ),
    }
    options = by_style.get(
        style,
        (
            f"after {name} they would answer {reply}, leaving me {me}",
            f"{name}: they answer {reply} and I get {me}",
        ),
    )
    return w.pick(options)


def tree(w: Writer, r: TreeChoice, chosen: int, n: Names) -> None:
    style = r.style
    if style == "random":
        random_pick(w, r, chosen, n)
        return
    w.say(*_OPENERS[style])
    if style == "qre" and r.lam is not None:
        w.say("", f"My precision is {num(r.lam)}", f"The noise level: lambda = {num(r.lam)}")
    items = []
    for a, (own, other), reply in zip(r.actions, r.outcomes, r.replies, strict=True):
        name = n.mine(a)
        if style == "trust_based":
            total = num(own + other)
            items.append(
                w.pick(
                    (
                        f"{name} leads to {num(own)} for me and {num(other)} for them "
                        f"({total} together)",
                        f"{name}: {total} in total ({num(own)} / {num(other)})",
                        f"with {name} we share {total} ({num(own)} mine, {num(other)} theirs)",
                    )
                )
            )
        else:
            items.append(_branch(w, style, name, own, reply))
    w.say(w.listing(items, sentences=True))
    w.say(
        f"So I choose {n.mine(chosen)}",
        f"{n.mine(chosen)} is the best of these",
        f"That makes it {n.mine(chosen)}",
        f"I'll go with {n.mine(chosen)}",
    )


def repeated(w: Writer, r: RepeatedChoice, chosen: int, n: Names) -> None:
    rnd = r.round + 1
    of = f" of {r.horizon}" if r.horizon else ""
    w.say(f"Round {rnd}{of}", f"This is round {rnd}{of}", "")
    stage = r.stage
    if r.reason in ("open", "reciprocate") and isinstance(stage, TrustChoice):
        i, j = stage.cells[0]
        own, other = stage.cell_payoffs
        if r.reason == "open":
            w.say(
                f"I start by offering cooperation: my part of the outcome best for both, "
                f"{n.mine(i)} with {n.theirs(j)} ({num(own + other)} together)",
                f"To begin, I play {n.mine(i)} and hope they join me at {n.theirs(j)}, worth "
                f"{num(own)} to me and {num(other)} to them, the best pair for the two of us",
            )
            w.say(
                "I expect them to see the same joint gain and play their part",
                "If we both keep to it, every round pays us both well",
                "Trusting them from the start is how the good outcome gets going",
            )
        else:
            assert r.last_other is not None
            w.say(
                f"Last round they played {n.theirs(r.last_other)}, their part of the joint "
                f"outcome, so I keep my side of it",
                f"They cooperated last time ({n.theirs(r.last_other)}), playing their part of "
                f"what is best for both of us; I trust them and reciprocate",
                f"They stayed with {n.theirs(r.last_other)}, the outcome good for both of us, "
                f"and I do the same",
            )
        w.say(f"I play {n.mine(chosen)}", f"So {n.mine(chosen)} again", f"{n.mine(chosen)}")
        return
    if r.reason == "punish":
        # Reciprocity answers a deviation in kind (tit for tat toward the joint cell): the
        # decisive step is still the mutual outcome, not a guaranteed floor.
        assert r.last_other is not None
        w.say(
            f"Last round they played {n.theirs(r.last_other)} instead of their part of the "
            f"outcome that is best for both of us",
            f"They left our joint outcome last time ({n.theirs(r.last_other)})",
        )
        w.say(
            f"Cooperation has to be mutual, so this round I answer in kind with "
            f"{n.mine(chosen)}; the moment they return to their part, so will I",
            f"Trust goes both ways: I reciprocate their move with {n.mine(chosen)} for now, "
            f"and I'll go back to cooperating as soon as they do",
        )
        return
    if r.reason in ("history", "prior", "final") and r.prediction is not None:
        assert isinstance(stage, BeliefChoice)
        if r.reason == "prior":
            w.say(
                "No history yet, so I predict them from their own incentives",
                "Nothing to go on from earlier rounds; what do their payoffs suggest?",
                "First round: I can only read their likely move off their payoffs",
            )
            belief(w, stage, chosen, n, opener=False)
            return
        pred = mix(w, r.prediction, stage.other_actions, n.theirs)
        if r.reason == "final":
            w.say(
                f"This is the last round, so nothing later rewards cooperation; by their "
                f"incentives they will most likely play {pred}",
                f"With no future rounds left, they have every reason to play for themselves: "
                f"I expect {pred}",
            )
        else:
            assert r.counts is not None
            seen = ", ".join(
                f"{n.theirs(j)} {int(c)} time{'s' if c != 1 else ''}"
                for j, c in zip(stage.other_actions, r.counts, strict=True)
                if c > 0
            )
            w.say(
                f"So far they played {seen}; I expect more of the same ({pred})",
                f"Their record: {seen}. Going by it, their next move is {pred}",
            )
        vals = payoff_list(w, r.values, r.actions, n.mine)
        w.say(f"Against that, {vals}", f"My expected payoffs: {vals}")
        w.say(f"Best response: {n.mine(chosen)}", f"So I play {n.mine(chosen)}")
        return
    matrix_body(w, stage, chosen, n)
