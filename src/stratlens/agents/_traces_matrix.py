"""Traces of the styles on one-shot decisions (and of a repeated game's stage choice)."""

from __future__ import annotations

from stratlens.agents._choice import (
    BeliefChoice,
    EquilibriumChoice,
    MinimaxChoice,
    StyleResult,
    TrustChoice,
)
from stratlens.agents._phrasing import Names, Writer, mix, num, payoff_list, plus


def minimax(w: Writer, r: MinimaxChoice, chosen: int, n: Names) -> None:
    w.say(
        "For each option I check the worst that can happen to me",
        "I can't control what the other player does, so I rate every choice by its lowest payoff",
        "Let me see what each choice guarantees me, whatever the other side picks",
        "Safety first: what is the least I can end up with for each move?",
        "I'll compare the floors of my options",
    )
    items = []
    for a, v, j in zip(r.actions, r.values, r.worst_reply, strict=True):
        items.append(
            w.pick(
                (
                    f"{n.mine(a)} could leave me with as little as {num(float(v))} "
                    f"(if they play {n.theirs(j)})",
                    f"the lowest I get with {n.mine(a)} is {num(float(v))}, against {n.theirs(j)}",
                    f"{n.mine(a)}: at worst {num(float(v))}",
                    f"worst case for {n.mine(a)} is {num(float(v))} when they pick {n.theirs(j)}",
                )
            )
        )
    w.say(w.listing(items, sentences=True))
    if r.mixed:
        mixture = mix(w, r.probs, r.actions, n.mine)
        w.say(
            f"Any fixed choice can be exploited, but mixing ({mixture}) guarantees an expected "
            f"{num(r.floor)} whatever they do",
            f"No single option is safe; the mix {mixture} secures {num(r.floor)} on average "
            "against any reply",
        )
        w.say(f"This time the mix lands on {n.mine(chosen)}", f"Drawing from it: {n.mine(chosen)}")
        return
    best = [a for a, p in zip(r.actions, r.probs, strict=True) if p > 1e-9]
    if len(best) > 1:
        tied = " and ".join(n.mine(a) for a in best)
        w.say(
            f"{tied} share the best floor, {num(r.floor)}; either is as safe, I take "
            f"{n.mine(chosen)}",
            f"The highest guaranteed payoff, {num(r.floor)}, comes with {tied}, so "
            f"{n.mine(chosen)} it is",
        )
    else:
        w.say(
            f"The best of these floors is {num(r.floor)}, from {n.mine(chosen)}",
            f"So {n.mine(chosen)} guarantees {num(r.floor)}, more than any other option secures",
            f"Taking the option with the highest guaranteed payoff: {n.mine(chosen)} "
            f"({num(r.floor)})",
            f"{n.mine(chosen)} is the safe choice: I cannot get less than {num(r.floor)}",
        )
    w.say("", "Whatever they do, I'm covered", "I'd rather have a sure floor than gamble")


def trust(w: Writer, r: TrustChoice, chosen: int, n: Names) -> None:
    own, other = r.cell_payoffs
    i, j = next((c for c in r.cells if c[0] == chosen), r.cells[0])
    w.say(
        "Which outcome is best for both of us together?",
        "The other player is in the same position as me; the sensible thing for both of us is "
        "to go for the best shared result",
        "Rather than guard against the worst, I look for the outcome we both do well in",
        "If we both aim for what is good for both sides, where do we end up?",
    )
    w.say(
        f"{n.mine(i)} with {n.theirs(j)} gives {plus(own, other)} in total, more than any "
        "other combination",
        f"the combined payoff peaks at {num(own + other)} when I play {n.mine(i)} and they "
        f"play {n.theirs(j)} ({num(own)} for me, {num(other)} for them)",
        f"together we get the most, {num(own + other)}, from {n.mine(i)} and {n.theirs(j)}",
    )
    if len(r.cells) > 1:
        w.say(
            "Other cells give the same total and split it the same way; any of them is fine",
            "That outcome is not unique, but they are equally good for both of us",
        )
    w.say(
        f"I'll trust them to play {n.theirs(j)} and do my part: {n.mine(chosen)}",
        f"Assuming they want that outcome too, I play {n.mine(chosen)}",
        f"I expect them to see the same mutual gain, so {n.mine(chosen)}",
        f"My part of it is {n.mine(chosen)}, and I count on them to play theirs",
    )


def belief(w: Writer, r: BeliefChoice, chosen: int, n: Names, opener: bool = True) -> None:
    pred = mix(w, r.prediction, r.other_actions, n.theirs)
    if r.level <= 1:
        w.say(
            "I have no real basis to predict the other player, so I treat each of its options as "
            "equally likely",
            "Let me start from a neutral guess about the other side: any of its moves is as "
            "likely as the others",
        )
    else:
        if opener:
            w.say(
                "What will the other player most likely do, given its own payoffs?",
                "First I should predict the other side's move from its incentives",
                "Put myself in their shoes: what is best for them?",
                "The other player wants to maximise its own points, so let me work out its move",
            )
        assert r.other_values is not None
        vals = payoff_list(w, r.other_values, r.other_actions, n.theirs)
        if r.level == 2:
            w.say(
                f"If they see my choice as a coin flip, their average payoffs are: {vals}",
                f"Treating my move as unknown to them, they'd expect: {vals}",
            )
        else:
            w.say(
                f"They will think about what I am likely to do; following that through, their "
                f"expected payoffs are: {vals}",
                f"Anticipating my reply {r.level - 1} steps deep, their expected payoffs come "
                f"to: {vals}",
            )
        w.say(
            f"So they will most likely play {pred}",
            f"That points to {pred} from them",
            f"My prediction: {pred}",
        )
    mine = payoff_list(w, r.values, r.actions, n.mine)
    w.say(
        f"Against that, my expected payoffs are: {mine}",
        f"If they do, then for me {mine}",
        f"Given this prediction: {mine}",
    )
    top = max(float(v) for v in r.values)
    tied = [a for a, v in zip(r.actions, r.values, strict=True) if float(v) >= top - 1e-9]
    if len(tied) > 1:
        both = " and ".join(n.mine(a) for a in tied)
        w.say(
            f"{both} do equally well against what I expect from them ({num(top)}): both are "
            f"best replies to my prediction, and I take {n.mine(chosen)}",
            f"Against their likely move {both} tie at {num(top)}, so {n.mine(chosen)} is as "
            f"good a reply to my prediction as any",
        )
        return
    w.say(
        f"The best response is {n.mine(chosen)}",
        f"So I answer their likely move with {n.mine(chosen)}",
        f"{n.mine(chosen)} does best against what I expect from them",
    )


def equilibrium(w: Writer, r: EquilibriumChoice, chosen: int, n: Names) -> None:
    theirs = mix(w, r.other_strategy, r.other_actions, n.theirs)
    mine = mix(w, r.probs, r.actions, n.mine)
    if r.lam is None:
        w.say(
            "I look for a stable pair of choices, where neither of us gains by changing alone",
            "Let me find the equilibrium: choices that are best replies to each other",
        )
        if r.n_equilibria > 1:
            w.say(
                f"There are {r.n_equilibria} equilibria; I take the one with the highest total "
                f"payoff ({num(sum(r.expected))})",
                f"Of the {r.n_equilibria} equilibria, the best one for the two of us together "
                f"pays {num(r.expected[0])} and {num(r.expected[1])}",
            )
        w.say(
            f"In it they play {theirs} and I play {mine}",
            f"That equilibrium has me on {mine} and them on {theirs}",
        )
    else:
        w.say(
            f"Both of us choose better options more often, but not always (precision {num(r.lam)})",
            f"Assuming noisy but payoff-sensitive play on both sides (lambda = {num(r.lam)})",
        )
        w.say(
            f"The other side's play settles at: {theirs}",
            f"In that balance they play {theirs}",
        )
    vals = payoff_list(w, r.values, r.actions, n.mine)
    w.say(f"My expected payoffs against that: {vals}", f"For me this means {vals}")
    w.say(f"I play {n.mine(chosen)}", f"My choice: {n.mine(chosen)}")


def random_pick(w: Writer, r: StyleResult, chosen: int, n: Names) -> None:
    options = ", ".join(n.mine(a) for a in r.actions)
    w.say(
        f"I'll just pick one of {options} at random",
        f"No reason to prefer any of {options}; a random pick",
        f"Choosing uniformly among {options}",
    )
    w.say(f"It comes out as {n.mine(chosen)}", f"{n.mine(chosen)} then")


def matrix_body(w: Writer, r: StyleResult, chosen: int, n: Names) -> None:
    """The trace of a stage or one-shot choice."""
    if isinstance(r, MinimaxChoice):
        minimax(w, r, chosen, n)
    elif isinstance(r, TrustChoice):
        trust(w, r, chosen, n)
    elif isinstance(r, BeliefChoice):
        belief(w, r, chosen, n)
    elif isinstance(r, EquilibriumChoice):
        equilibrium(w, r, chosen, n)
    else:
        random_pick(w, r, chosen, n)
