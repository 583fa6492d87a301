"""The likelihood exercises compute the right answers: each checked by a second method.

Likelihoods are recomputed token by token with Python floats, with scipy's multinomial
and Bernoulli log-pmfs, and with mpmath's arbitrary-range floats where float64 would
underflow (which is the point of likelihood/why-logs, and is checked too).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy import stats

from grader.bank import reference_cases
from tests.bank_support import BANK, as_float, expected, symbolic_at, variants


def log_by_loop(probabilities) -> float:  # type: ignore[no-untyped-def]
    """Sum of logs, one term per observation, with -inf for an impossible one."""
    terms = [math.log(p) if p > 0 else -math.inf for p in probabilities]
    return -math.inf if -math.inf in terms else math.fsum(terms)


# --------------------------------------------------------------------------- categorical tokens


def sequence(v: dict[str, float]) -> tuple[list[int], list[float]]:
    probs = [v["q1"], v["q2"], 1 - v["q1"] - v["q2"]]
    tokens = [0] * int(v["c1"]) + [1] * int(v["c2"]) + [2] * int(v["c3"])
    return tokens, probs


def test_categorical_tokens_answers_token_by_token_and_with_scipy() -> None:
    for variant in variants("likelihood/categorical-tokens"):
        tokens, probs = sequence(variant.values)
        product = 1.0
        for t in tokens:
            product *= probs[t]
        assert math.isclose(as_float(expected(variant, "likelihood")), product, rel_tol=1e-9)
        loglik = log_by_loop(probs[t] for t in tokens)
        assert math.isclose(as_float(expected(variant, "loglik")), loglik, rel_tol=1e-9)
        # scipy's multinomial counts every order; divide out the number of orders
        counts = [tokens.count(j) for j in range(3)]
        orders = math.factorial(len(tokens)) / math.prod(math.factorial(c) for c in counts)
        scipy_seq = stats.multinomial.logpmf(counts, len(tokens), probs) - math.log(orders)
        assert math.isclose(loglik, scipy_seq, rel_tol=1e-9)


def test_categorical_tokens_formula_matches_the_loop_at_other_parameters() -> None:
    rng = np.random.default_rng(8)
    for variant in variants("likelihood/categorical-tokens", 5):
        tokens, probs = sequence(variant.values)
        assert math.isclose(symbolic_at(variant, "formula", u=probs[0], w=probs[1]),
                            log_by_loop(probs[t] for t in tokens), rel_tol=1e-9)
        for _ in range(5):
            u, w = rng.uniform(0.01, 0.45, size=2)
            other = [u, w, 1 - u - w]
            assert math.isclose(symbolic_at(variant, "formula", u=u, w=w),
                                log_by_loop(other[t] for t in tokens), rel_tol=1e-9)


def test_token_log_likelihood_reference_against_a_loop() -> None:
    module = BANK.solution("likelihood/categorical-tokens")
    differs = {"log_of_summed_probs": 0, "mean_log_prob": 0}
    for variant in variants("likelihood/categorical-tokens", 5):
        for case in reference_cases(BANK, variant, "token_log_likelihood"):
            got = module.token_log_likelihood(**case)
            assert isinstance(got, float)
            want = log_by_loop(case["probs"][t] for t in case["tokens"])
            assert got == want or math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
            for name in differs:
                wrong = getattr(module, name)(**case)
                differs[name] += not (wrong == got or math.isclose(wrong, got, rel_tol=1e-6))
    assert all(count > 0 for count in differs.values()), differs


# --------------------------------------------------------------------------- why logs


def base_probs(v: dict[str, float]) -> tuple[list[float], list[int]]:
    q = [v["qa"], v["qc"], v["qg"], 1 - v["qa"] - v["qc"] - v["qg"]]
    counts = [int(v["ca"]), int(v["cc"]), int(v["cg"])]
    counts.append(2000 - sum(counts))
    return q, counts


def sequence_probs(v: dict[str, float]) -> list[float]:
    """The probability of each of the 2000 bases, base by base."""
    q, counts = base_probs(v)
    return [q[j] for j, c in enumerate(counts) for _ in range(c)]


def test_why_logs_log_likelihood_by_loop_scipy_and_mpmath() -> None:
    for variant in variants("likelihood/why-logs"):
        q, counts = base_probs(variant.values)
        probs = sequence_probs(variant.values)
        assert len(probs) == 2000
        loglik = log_by_loop(probs)
        assert math.isclose(as_float(expected(variant, "loglik")), loglik, rel_tol=1e-9)
        orders = math.lgamma(2001) - sum(math.lgamma(c + 1) for c in counts)
        scipy_seq = stats.multinomial.logpmf(counts, 2000, q) - orders
        assert math.isclose(scipy_seq, loglik, rel_tol=1e-9)
        # the product itself, in floats with an unbounded exponent
        exact = mpmath.fprod(mpmath.mpf(p) for p in probs)
        assert math.isclose(as_float(expected(variant, "power_of_ten")),
                            float(mpmath.log10(exact)), rel_tol=1e-9)


def test_the_plain_product_really_underflows_to_zero_in_any_order() -> None:
    rng = np.random.default_rng(0)
    for variant in variants("likelihood/why-logs"):
        probs = sequence_probs(variant.values)
        running = 1.0
        for p in probs:                       # one by one, as the choice part says
            running *= p
        assert running == 0.0
        assert math.prod(probs) == 0.0
        for order in (np.array(probs), np.array(probs[::-1]), rng.permutation(probs),
                      rng.permutation(probs)):
            assert float(np.prod(order)) == 0.0
        assert str(expected(variant, "float_product")).startswith("exactly 0.0")


def test_log_likelihood_and_likelihood_have_the_same_maximizer() -> None:
    """Along a one-parameter family of models: P(A) = t, the other bases rescaled."""
    grid = np.linspace(0.01, 0.99, 99)
    for variant in variants("likelihood/why-logs", 5):
        q, counts = base_probs(variant.values)
        rest = np.array(q[1:]) / sum(q[1:])

        def family(t: float, rest: np.ndarray = rest) -> list[float]:
            return [t, *((1 - t) * rest)]

        loglik = [sum(c * math.log(p) for c, p in zip(counts, family(t), strict=True))
                  for t in grid]
        lik = [mpmath.fprod(mpmath.mpf(p) ** c for c, p in zip(counts, family(t), strict=True))
               for t in grid]
        assert int(np.argmax(loglik)) == max(range(len(grid)), key=lambda i: lik[i])
        assert expected(variant, "same_argmax") == \
            "log is strictly increasing, so both have the same maximizer"


def test_sum_log_probs_reference_against_a_loop_and_the_mistake_underflows() -> None:
    module = BANK.solution("likelihood/why-logs")
    underflows = 0
    for variant in variants("likelihood/why-logs", 5):
        cases = reference_cases(BANK, variant, "sum_log_probs")
        for case in cases:
            got = module.sum_log_probs(**case)
            assert isinstance(got, float) and math.isfinite(got)
            assert math.isclose(got, log_by_loop(case["probs"]), rel_tol=1e-9, abs_tol=1e-12)
            wrong = module.log_of_product(**case)
            underflows += wrong == -math.inf
        # the variant's own 2000 observations defeat the mistake
        assert module.log_of_product(**cases[0]) == -math.inf
    assert underflows > 0


# --------------------------------------------------------------------------- model comparison


def models(v: dict[str, float]) -> tuple[list[float], list[float], list[int]]:
    pa = [v["a1"], v["a2"], 1 - v["a1"] - v["a2"]]
    pb = [v["b1"], v["b2"], 1 - v["b1"] - v["b2"]]
    return pa, pb, [int(v["k1"]), int(v["k2"]), int(v["k3"])]


def test_model_comparison_by_scipy_multinomial_and_mpmath() -> None:
    for variant in variants("likelihood/model-comparison"):
        pa, pb, counts = models(variant.values)
        n = sum(counts)
        # the multinomial coefficient is the same for both models and cancels
        llr = stats.multinomial.logpmf(counts, n, pa) - stats.multinomial.logpmf(counts, n, pb)
        assert math.isclose(as_float(expected(variant, "llr")), llr, rel_tol=1e-9)
        la = mpmath.fprod(mpmath.mpf(p) ** c for p, c in zip(pa, counts, strict=True))
        lb = mpmath.fprod(mpmath.mpf(p) ** c for p, c in zip(pb, counts, strict=True))
        assert math.isclose(as_float(expected(variant, "ratio")), float(la / lb), rel_tol=1e-9)
        assert expected(variant, "better") == ("model A" if la > lb else "model B")
        assert math.isclose(symbolic_at(variant, "formula", n1=counts[0], n2=counts[1],
                                        n3=counts[2]), llr, rel_tol=1e-9)


def test_model_comparison_formula_at_other_counts() -> None:
    rng = np.random.default_rng(12)
    for variant in variants("likelihood/model-comparison", 5):
        pa, pb, _ = models(variant.values)
        for _ in range(5):
            counts = [int(c) for c in rng.integers(0, 40, size=3)]
            if sum(counts) == 0:
                continue
            n = sum(counts)
            want = stats.multinomial.logpmf(counts, n, pa) - stats.multinomial.logpmf(counts, n, pb)
            got = symbolic_at(variant, "formula", n1=counts[0], n2=counts[1], n3=counts[2])
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)


def test_the_log_ratio_formula_takes_coefficients_at_three_figures() -> None:
    """The prompt asks for a formula with these models' numbers; 4-decimal coefficients
    scored 0 because formulas were compared to 1e-8."""
    from grader.checkers import check_answer

    for variant in variants("likelihood/model-comparison", 1000):
        v = {k: float(x) for k, x in variant.values.items()}
        part = variant.spec.part("formula")
        coefficients = [math.log(v[f"a{i}"] / v[f"b{i}"]) for i in (1, 2, 3)]
        for figures in (3, 4):
            text = " + ".join(f"({c:.{figures - 1}e})*n{i}"
                              for i, c in enumerate(coefficients, start=1))
            assert check_answer(variant, part, text).status == "correct", (variant.seed, text)
        # the largest coefficient 3% off is refused (the tolerance at a point is half a
        # unit of the terms there, so a small coefficient's error can hide in it)
        off = coefficients[:]
        big = max(range(3), key=lambda i: abs(off[i]))
        off[big] *= 1.03
        text = " + ".join(f"({c:.6g})*n{i}" for i, c in enumerate(off, start=1))
        assert check_answer(variant, part, text).status != "correct", (variant.seed, text)


def test_the_key_shows_small_expected_values_to_significant_figures() -> None:
    """The key printed 6 decimals, so 2.9e-7 showed as "0"."""
    from grader import views

    for exercise_id in ("likelihood/categorical-tokens", "likelihood/why-logs"):
        for variant in variants(exercise_id, 50):
            for part in variant.spec.parts:
                if part.kind != "numeric":
                    continue
                value = float(views.expected_value(variant, part))
                shown = views.expected_text(variant, part).replace(" × 10^", "e")
                assert float(shown) == pytest.approx(value, rel=1e-5, abs=0), (part.id, shown)


def test_model_comparison_solution_shows_the_ratio_to_significant_figures() -> None:
    for variant in variants("likelihood/model-comparison", 200):
        from grader import views

        ratio = float(variant.values["ratio"])
        solution = views.text(variant, variant.spec.solution, "solution")
        if ratio < 0.01:
            assert "= 0.0002$" not in solution and "= 0$" not in solution
            mantissa = f"{ratio:.3e}".split("e")[0].rstrip("0").rstrip(".")
            assert mantissa[:3] in solution
