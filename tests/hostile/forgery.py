"""Return values that try to pass for what they are not, and forged replies."""

import json
import os

import numpy as np


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.5


class SneakyFloat(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    def __abs__(self):
        return 0.0

    def __repr__(self):
        return "0.5"


class Meta(type):
    @property
    def __name__(cls):
        raise RuntimeError("gotcha")


class Hostile(metaclass=Meta):
    pass


def eq_object():
    return AlwaysEqual()


def float_subclass():
    return SneakyFloat(0.5)


def int_subclass():
    return type("I", (int,), {})(3)


def list_of_eq_objects():
    return [1.0, AlwaysEqual()]


def tuple_of_float_subclass():
    return (1.0, SneakyFloat(2.0))


def ndarray_subclass():
    return np.matrix([[1.0, 2.0]])


def object_array():
    return np.array([AlwaysEqual()], dtype=object)


def complex_array():
    return np.array([1 + 2j])


def dict_with_int_keys():
    return {1: 2.0}


def hostile_metaclass():
    return Hostile()


def self_reference():
    x = []
    x.append(x)
    return x


def too_large():
    return [0.0] * 10_000_000


def huge_int():
    return 10**5000


def forge_stdout():
    for seq in range(10):
        print(json.dumps({"nonce": "0" * 32, "seq": seq, "status": "ok", "value": 42}))
    return 1


def forge_fds():
    line = b"\n" + json.dumps({"nonce": "0" * 32, "seq": 3, "status": "ok", "value": 42}).encode()
    hits = 0
    for fd in range(3, 1024):
        try:
            os.write(fd, line + b"\n")
            hits += 1
        except OSError:
            pass
    os.write(1, b"partial line without newline")
    return 1


def hostile_exception():
    class Weird(Exception):
        def __str__(self):
            raise ValueError("no message for you")

    raise Weird()


def _channel_and_seq():
    """The child's reply channel and the current sequence number, read from its frames."""
    import sys

    frame = sys._getframe(1)
    while frame is not None:
        if "channel" in frame.f_locals and "seq" in frame.f_locals:
            return frame.f_locals["channel"], frame.f_locals["seq"]
        frame = frame.f_back
    raise LookupError("no channel")


def forge_with_nonce(value):
    """Read the nonce out of the process (as a determined author can) and forge a reply."""
    channel, seq = _channel_and_seq()
    channel.send(seq, {"status": "ok", "value": value})
    return 1
