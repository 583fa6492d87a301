"""A well-behaved solution: plain values of every kind the wire carries."""

import math

import numpy as np


def add(x, y):
    return x + y


def scale(values, factor):
    return values * factor


def summary(data):
    return float(np.mean(data)), len(data), np.asarray(data, dtype=np.int32)


def mutate(data, items, table):
    before = (float(data[0]), len(items), len(table))
    data[0] = 999.0
    items.append("added")
    table["added"] = 1
    return before


def numpy_scalars():
    return np.float32(0.5), np.int64(7), np.bool_(True), np.uint8(255)


def specials():
    return [math.inf, -math.inf, np.array([1.0, math.nan, -math.inf])]


def nested():
    return {"a": [1, 2.5, (3, None)], "b": True, "c": {"__float__": "nan"}}


def nan():
    return float("nan")


def text():
    return "0.5"


def echo(**kwargs):
    return kwargs


def fails(x):
    y = x - x
    return x / y  # line 50: the test asserts this number


def cwd():
    import os

    return os.getcwd()


def scratch():
    with open("scratch.txt", "w") as f:
        f.write("inside the working folder")
    with open("scratch.txt") as f:
        return f.read()
