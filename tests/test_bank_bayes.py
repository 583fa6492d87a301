"""The Bayes exercises compute the right answers: each checked by a second method.

Bags of tokens are enumerated token by token; sequential tests are enumerated over every
(status, result, result) outcome and simulated; the Beta-Bernoulli posterior is computed
by numerical integration of prior × likelihood (scipy), without using conjugacy; the
reference functions are compared with explicit loops or closed forms they do not use.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
from scipy import integrate, stats

from grader import views
from grader.bank import reference_cases
from tests.bank_support import BANK, as_float, expected, symbolic_at, variants

# --------------------------------------------------------------------------- posterior vector


def prior_and_likelihood(v: dict[str, float]) -> tuple[list[float], list[float]]:
    prior = [v["p1"], v["p2"], v["p3"], 1 - v["p1"] - v["p2"] - v["p3"]]
    return prior, [v["l1"], v["l2"], v["l3"], v["l4"]]


def posterior_by_loop(prior, likelihood) -> list[float]:  # type: ignore[no-untyped-def]
    products = []
    for p, lik in zip(prior, likelihood, strict=True):
        products.append(p * lik)
    total = 0.0
    for x in products:
        total += x
    return [x / total for x in products]


def test_posterior_vector_numeric_part_by_loop_and_simulation() -> None:
    rng = np.random.default_rng(2)
    draws = 400_000
    for i, variant in enumerate(variants("bayes/posterior-vector")):
        prior, likelihood = prior_and_likelihood(variant.values)
        post = posterior_by_loop(prior, likelihood)
        assert math.isclose(as_float(expected(variant, "post2")), post[1], rel_tol=1e-12)
        if i < 4:   # pick a model by the prior, let it emit the token or not; keep emissions
            model = rng.choice(4, size=draws, p=prior)
            emitted = rng.random(draws) < np.array(likelihood)[model]
            share = (model[emitted] == 1).mean()
            se = math.sqrt(post[1] * (1 - post[1]) / emitted.sum())
            assert abs(share - post[1]) < 5 * se


def test_scaling_the_likelihood_leaves_the_posterior_unchanged() -> None:
    variant = variants("bayes/posterior-vector", 1)[0]
    prior, likelihood = prior_and_likelihood(variant.values)
    for c in (1e-3, 0.5, 7.0):
        scaled = posterior_by_loop(prior, [c * x for x in likelihood])
        assert np.allclose(scaled, posterior_by_loop(prior, likelihood), rtol=1e-12)
    assert expected(variant, "scale") == "it does not change"


def test_posterior_reference_against_the_loop_and_the_mistakes_differ() -> None:
    module = BANK.solution("bayes/posterior-vector")
    differs = {"unnormalized_posterior": 0, "normalized_likelihood": 0}
    for variant in variants("bayes/posterior-vector", 5):
        for case in reference_cases(BANK, variant, "posterior"):
            got = module.posterior(**case)
            assert isinstance(got, np.ndarray) and got.shape == case["prior"].shape
            assert np.allclose(got, posterior_by_loop(case["prior"], case["likelihood"]),
                               rtol=1e-12, atol=1e-15)
            assert math.isclose(got.sum(), 1.0)
            for name in differs:
                wrong = getattr(module, name)(**case)
                differs[name] += not np.allclose(wrong, got, rtol=1e-6, atol=1e-9)
            unnormalized = module.unnormalized_posterior(**case)
            assert np.allclose(unnormalized, [p * q for p, q in
                                              zip(case["prior"], case["likelihood"], strict=True)])
    assert all(count > 0 for count in differs.values()), differs


# --------------------------------------------------------------------------- several hypotheses


def every_draw(v: dict[str, int]) -> list[tuple[str, bool]]:
    """(kind, red?) for every (bag, token) pair of the box: all equally likely."""
    out = []
    for kind, bags, red in (("A", v["n1"], v["r1"]), ("B", v["n2"], v["r2"]),
                            ("C", v["n3"], v["r3"])):
        for _bag, token in itertools.product(range(bags), range(10)):
            out.append((kind, token < red))
    return out


def test_several_hypotheses_answers_by_enumerating_every_token() -> None:
    for variant in variants("bayes/several-hypotheses"):
        draws = every_draw(variant.values)
        target = "ABC"[int(variant.values["t"]) - 1]
        red = [kind for kind, is_red in draws if is_red]
        p_red = Fraction(len(red), len(draws))
        post = Fraction(red.count(target), len(red))
        prior = Fraction(sum(1 for kind, _ in draws if kind == target), len(draws))
        assert expected(variant, "p_red") == p_red
        assert expected(variant, "posterior") == post
        assert expected(variant, "odds") == Fraction(red.count("A"), red.count("B"))
        direction = "more probable" if post > prior else "less probable"
        assert expected(variant, "direction") == direction
        assert post != prior


# --------------------------------------------------------------------------- sequential tests


def enumerate_two_tests(p: float, s: float, f: float) -> float:
    """P(M | +, +) by summing over every (status, first result, second result)."""
    both_positive = {True: 0.0, False: 0.0}
    for m, r1, r2 in itertools.product((True, False), (1, 0), (1, 0)):
        rate = s if m else f
        prob = (p if m else 1 - p) * (rate if r1 else 1 - rate) * (rate if r2 else 1 - rate)
        if r1 and r2:
            both_positive[m] += prob
    return both_positive[True] / (both_positive[True] + both_positive[False])


def test_sequential_tests_by_enumeration_and_simulation() -> None:
    rng = np.random.default_rng(17)
    draws = 1_000_000
    for i, variant in enumerate(variants("bayes/sequential-tests")):
        p, s, f = (float(variant.values[x]) for x in ("prevalence", "sensitivity", "fpr"))
        post1 = s * p / (s * p + f * (1 - p))
        post2 = enumerate_two_tests(p, s, f)
        assert math.isclose(as_float(expected(variant, "first")), post1, rel_tol=1e-9)
        assert math.isclose(as_float(expected(variant, "second")), post2, rel_tol=1e-9)
        assert math.isclose(symbolic_at(variant, "formula", p=p, s=s, f=f), post2, rel_tol=1e-9)
        if i < 3:
            m = rng.random(draws) < p
            rate = np.where(m, s, f)
            both = (rng.random(draws) < rate) & (rng.random(draws) < rate)
            se = math.sqrt(post2 * (1 - post2) / both.sum())
            assert abs(m[both].mean() - post2) < 5 * se


def test_order_of_results_does_not_change_the_posterior() -> None:
    module = BANK.solution("bayes/sequential-tests")
    for variant in variants("bayes/sequential-tests", 3):
        args = {"prior": float(variant.values["prevalence"]),
                "sensitivity": float(variant.values["sensitivity"]),
                "fpr": float(variant.values["fpr"])}
        finals = {module.sequential_posterior(**args, results=np.array(order))
                  for order in set(itertools.permutations((1, 1, 0)))}
        assert max(finals) - min(finals) < 1e-12
        assert expected(variant, "order") == "no"


def batch_posterior(prior: float, s: float, f: float, results: np.ndarray) -> float:
    """All results at once: the likelihoods multiply (tests independent given M)."""
    k = int(np.sum(results))
    m = int(np.size(results))
    like_m = s**k * (1 - s) ** (m - k)
    like_not = f**k * (1 - f) ** (m - k)
    return prior * like_m / (prior * like_m + (1 - prior) * like_not)


def test_sequential_posterior_reference_against_the_batch_formula() -> None:
    module = BANK.solution("bayes/sequential-tests")
    differs = {"update_from_original_prior": 0, "every_result_as_positive": 0}
    for variant in variants("bayes/sequential-tests", 5):
        for case in reference_cases(BANK, variant, "sequential_posterior"):
            got = module.sequential_posterior(**case)
            assert isinstance(got, float)
            want = batch_posterior(case["prior"], case["sensitivity"], case["fpr"],
                                   case["results"])
            assert math.isclose(got, want, rel_tol=1e-9)
            for name in differs:
                differs[name] += not math.isclose(getattr(module, name)(**case), got,
                                                  rel_tol=1e-6)
    assert all(count > 0 for count in differs.values()), differs


# --------------------------------------------------------------------------- beta-bernoulli


def integrated_moments(a: int, b: int, n: int, k: int) -> tuple[float, float]:
    """E[θ | data] and E[θ² | data] by integrating prior × likelihood numerically."""
    def unnormalized(theta: float, power: int) -> float:
        return theta**power * stats.beta.pdf(theta, a, b) * stats.binom.pmf(k, n, theta)

    evidence = integrate.quad(unnormalized, 0, 1, args=(0,), epsabs=0, epsrel=1e-11)[0]
    first = integrate.quad(unnormalized, 0, 1, args=(1,), epsabs=0, epsrel=1e-11)[0]
    second = integrate.quad(unnormalized, 0, 1, args=(2,), epsabs=0, epsrel=1e-11)[0]
    return first / evidence, second / evidence


def test_beta_bernoulli_answers_by_numerical_integration() -> None:
    for variant in variants("bayes/beta-bernoulli"):
        v = variant.values
        a, b, n, k = int(v["a0"]), int(v["b0"]), int(v["n_obs"]), int(v["passed"])
        mean, second = integrated_moments(a, b, n, k)
        assert math.isclose(as_float(expected(variant, "mean")), mean, rel_tol=1e-7)
        assert math.isclose(as_float(expected(variant, "next_two")), second, rel_tol=1e-7)
        assert math.isclose(symbolic_at(variant, "formula", a=a, b=b, n=n, k=k), mean,
                            rel_tol=1e-7)
        posterior = stats.beta(a + k, b + n - k)
        assert math.isclose(posterior.mean(), mean, rel_tol=1e-7)


def test_beta_bernoulli_next_two_by_simulation() -> None:
    rng = np.random.default_rng(23)
    variant = variants("bayes/beta-bernoulli", 1)[0]
    v = variant.values
    a, b, n, k = int(v["a0"]), int(v["b0"]), int(v["n_obs"]), int(v["passed"])
    # draw θ from the prior and n attempts; keep the runs that reproduce the data's k
    theta = rng.beta(a, b, size=2_000_000)
    kept = theta[rng.binomial(n, theta) == k]
    both = rng.random(kept.size) < kept
    both &= rng.random(kept.size) < kept
    p = as_float(expected(variant, "next_two"))
    assert kept.size > 10_000
    assert abs(both.mean() - p) < 5 * math.sqrt(p * (1 - p) / kept.size)


def test_beta_posterior_reference_is_proportional_to_prior_times_likelihood() -> None:
    module = BANK.solution("bayes/beta-bernoulli")
    grid = np.linspace(0.05, 0.95, 7)
    differs = 0
    for variant in variants("bayes/beta-bernoulli", 5):
        for case in reference_cases(BANK, variant, "beta_posterior"):
            got = module.beta_posterior(**case)
            assert isinstance(got, tuple) and len(got) == 2
            assert all(isinstance(x, float) for x in got)
            data = case["data"]
            k, n = int(np.sum(data)), int(np.size(data))
            # log posterior - log(prior × likelihood) must not depend on θ
            gap = stats.beta.logpdf(grid, *got) - (stats.beta.logpdf(grid, case["a"], case["b"])
                                                   + k * np.log(grid) + (n - k) * np.log1p(-grid))
            assert np.ptp(gap) < 1e-8, (case, got)
            differs += not np.allclose(module.beta_posterior_swapped(**case), got)
    assert differs > 0


def test_beta_bernoulli_solution_says_how_the_two_compare_without_a_size_word() -> None:
    """It said "a little more than 0.0023" about 0.0033."""
    for variant in variants("bayes/beta-bernoulli", 200):
        solution = views.text(variant, variant.spec.solution, "solution")
        two, squared = (float(variant.values[k]) for k in ("predictive_two", "mean_squared"))
        assert two > squared and "more than $E[\\theta]^2" in solution
        assert "a little more" not in solution
