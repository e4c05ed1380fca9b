import cycle_a


def pong():
    return "pong" if cycle_a else None
