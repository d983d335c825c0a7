"""Traces of the styles on a guess of the p-beauty contest (a `GuessChoice`)."""

from __future__ import annotations

from stratlens.agents._choice import GuessChoice
from stratlens.agents._phrasing import Names, Writer, num


def guess_trace(w: Writer, r: GuessChoice, chosen: int, n: Names) -> None:
    others = r.players - 1
    crowd = "the other player" if others == 1 else f"the other {others} players"
    if r.style == "belief_anticipation" and r.level is not None and r.others_mean is not None:
        w.say(
            f"I expect {crowd} to guess about {num(round(r.others_mean, 2))} on average",
            f"My estimate is that {crowd} land around {num(round(r.others_mean, 2))}",
            f"I think {crowd} will think {r.level - 1} "
            f"step{'s' if r.level != 2 else ''} ahead, which puts them near "
            f"{num(round(r.others_mean, 2))}",
        )
        w.say(
            f"The target is {r.p_text} of the average including my own guess, so the guess "
            f"that hits it is {n.mine(chosen)}",
            f"Taking {r.p_text} of an average that includes me, I should say {n.mine(chosen)}",
            f"One step beyond them: {r.p_text} of that average, counting my guess, is about "
            f"{n.mine(chosen)}",
        )
        return
    if r.style == "nash":
        w.say(
            f"If everyone reasons that the others go below {r.p_text} of the average, the "
            "guesses keep falling",
            "Each round of 'they will guess lower, so I guess lower still' pushes the number down",
        )
        w.say(
            f"With everyone at {n.mine(chosen)} no one wants to move, so that is where I stay",
            f"That process stops at {n.mine(chosen)}, where nobody gains by changing",
        )
        return
    if r.style == "minimax":
        floor = float(r.values.max())
        w.say(
            f"I look at what each guess guarantees me whatever {crowd} do",
            "For every guess I check the worst the others' guesses can do to me",
        )
        if floor <= 0:
            w.say(
                "No guess guarantees anything: the others can always end up nearer the target",
                "Every guess can end with 0 points, so none is safer than another",
            )
            w.say(f"Any choice is as safe; I take {n.mine(chosen)}")
        else:
            w.say(f"{n.mine(chosen)} guarantees at least {num(floor)} points, the best floor")
        return
    if r.style == "trust_based":
        w.say(
            "The prize is paid out in full whatever happens; if we all name the same number "
            "we share it evenly",
            "Together we always get the whole prize, and equal guesses split it equally",
        )
        w.say(
            f"Any common number does that; I name {n.mine(chosen)} and hope the others match",
            f"I go with {n.mine(chosen)}, expecting the others to meet me there",
        )
        return
    if r.style == "qre":
        w.say(
            "People make mistakes, so I weigh each guess by how well it does against noisy "
            "guesses that favour the better numbers",
            "I assume everyone picks better guesses more often, but not always",
        )
        if r.others_mean is not None:
            mean = num(round(r.others_mean, 2))
            w.say(f"Against that mix, averaging {mean}, I draw {n.mine(chosen)}")
        return
    w.say(
        "I have no reason to prefer one number over another",
        "Any number is as good as any other to me",
    )
    w.say(f"I pick {n.mine(chosen)} at random", f"So, at random: {n.mine(chosen)}")
