"""What a chart or list on the front page draws when drawing every row would not scale (the
limits are in layout.py): whole groups (a conflict's lane, an event's figures, a source's bars),
the ones that matter most first, while they fit."""


def largest(sizes, limit, rank=None):
    """The keys of `sizes` ({group: rows it would draw}) to draw: all of them when their rows fit in
    `limit`; else, in the order of `rank` (a sort key; by default the most rows first), each group
    whose rows still fit, and always the first."""
    if sum(sizes.values()) <= limit:
        return set(sizes)
    kept, used = set(), 0
    for key in sorted(sizes, key=rank or (lambda k: (-sizes[k], k))):
        if not kept or used + sizes[key] <= limit:
            kept.add(key)
            used += sizes[key]
    return kept
