"""Connected components of the near-duplicate graph, by a mergeable union-find.

The graph's nodes are distinct shingle sets and its edges the verified LSH
candidates: a small set next to the pairs (only outputs that have a near copy
appear in it), so the components are computed in one place and handed to every
worker. The union-find is mergeable (partial forests built in parallel are
joined edge by edge), and its answer does not depend on the order of the edges:
every node's root is the smallest node of its component.

A cluster's *representative* is not that root but the smallest pair (by
`pair_key`) of all the pairs whose shingle set is in the component; ``cluster``
in a row is the representative's id.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

__all__ = ["UnionFind"]


class UnionFind:
    """Disjoint sets whose root is always the smallest member."""

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, x: Hashable) -> Hashable:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            nxt = parent[x]
            parent[x] = root
            x = nxt
        return root

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            if a not in self.parent:
                self.parent[a] = ra
            return
        low, high = (ra, rb) if ra < rb else (rb, ra)  # type: ignore[operator]
        self.parent[high] = low
        self.parent.setdefault(low, low)

    def add_edges(self, edges: Iterable[tuple[Hashable, Hashable]]) -> UnionFind:
        for a, b in edges:
            self.union(a, b)
        return self

    def merge(self, other: UnionFind) -> UnionFind:
        """Join another forest into this one (its links are edges of the same graph)."""
        for node, parent in other.parent.items():
            self.union(node, parent)
        return self

    def roots(self) -> dict[Hashable, Hashable]:
        """node -> root (the smallest node of its component), for every node seen."""
        return {node: self.find(node) for node in sorted(self.parent)}  # type: ignore[type-var]
