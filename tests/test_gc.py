"""`frozen_heap`: the heap before a run is left out of collection, and given back after it."""

from __future__ import annotations

import gc
import weakref

from stratlens._gc import frozen_heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_the_heap_is_frozen_inside_and_given_back_after() -> None:
    # Automatic collection is off while the test runs: otherwise one could free `old` between
    # its `del` and the freeze, and whether it is left alone would depend on timing.
    gc.disable()
    try:
        _check_frozen_heap()
    finally:
        gc.enable()


def _check_frozen_heap() -> None:
    assert gc.get_freeze_count() == 0
    old = Node()
    old_ref = weakref.ref(old)
    del old  # garbage already, but not yet collected when the block starts
    with frozen_heap():
        frozen = gc.get_freeze_count()
        assert frozen > 1000
        # Frozen objects that other threads let go of (a server thread left by an earlier test)
        # are freed by reference counting and leave the count, so it may fall by a few; a second
        # freeze would add every object allocated since, and these 5,000 would show.
        since = [Node() for _ in range(5000)]
        with frozen_heap():  # nested: no second freeze
            assert frozen - 100 < gc.get_freeze_count() <= frozen
        # leaving the inner block unfreezes nothing
        assert frozen - 100 < gc.get_freeze_count() <= frozen
        del since
        new = Node()
        new_ref = weakref.ref(new)
        del new
        gc.collect()
        assert new_ref() is None  # what the block allocates is collected as usual
        assert old_ref() is not None  # what was there before is left alone
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert old_ref() is None  # and is collected once the block is over


def test_an_exception_still_unfreezes() -> None:
    try:
        with frozen_heap():
            raise KeyError("x")
    except KeyError:
        pass
    assert gc.get_freeze_count() == 0
