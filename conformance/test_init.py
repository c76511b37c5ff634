"""Initialisation: every weight and bias, weight_hr included, is drawn from U(-sqrt(k), sqrt(k)), k = 1/H.

Two claims. `init.bounds` is exact: no parameter of a new module may lie outside [-b, b] with
b = 1/sqrt(hidden_size) (hidden_size, not proj_size or input_size, even for weight_hr). `init.uniform`
is statistical and is built so that it cannot flake:

- Hypothesis draws only the configuration; the torch seed is a fixed function of it (`config_seed`), so
  a configuration gets the same verdict on every run of the same torch.
- A value outside [-b, b] rejects outright (U(-b, b) never produces one). Otherwise the values, scaled
  to u = value / b, are tested against U(-1, 1) by T statistics: the Kolmogorov-Smirnov distance of each
  role (weight_ih, weight_hh, bias_ih, bias_hh, weight_hr, each pooled over layers and directions), the
  KS distance of all values together, their mean (0), mean square (1/3: variance b^2/3) and mean fourth
  power (1/5: the kurtosis of a uniform, which a normal or truncated normal of the same spread misses).
- Each statistic gets the critical value of a finite-sample inequality at ALPHA / T: Dvoretzky-Kiefer-
  Wolfowitz with Massart's constant for KS, P(D_n > eps) <= 2 exp(-2 n eps^2), and Bernstein's inequality
  for the means. Both hold for every n (no asymptotics), so by the union bound a correct torch fails an
  example with probability at most ALPHA = 1e-6 (the configurations drawn in 300 examples x 9 variants
  include a failing one with probability below 3e-3, and then it fails on every run, not at random).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

from conformance.claims import Claim
from conformance.claims.construction import FACTORY_KWARGS
from conformance.claims.init import BOUNDS, UNIFORM
from conformance.draw.strategies import specs
from conformance.judge.compare import assert_equal, fail
from conformance.run import implementation
from conformance.run.dtypes import DTYPES
from conformance.run.modules import BUILDS, build_module, build_source
from reference import Spec, init_bound

ALPHA = 1e-6
"""Probability that a correct torch fails one example of init.uniform (union bound over its statistics)."""
ROUNDING_ULPS = 8
"""Relative slack on b, in units of the parameters' eps: the rounding of the interval ends."""
HIDDEN_FOR_STATISTICS = (48, 64)
"""hidden_size drawn by init.uniform: each role then has at least 48 values, all roles together 2304."""


# Building a module the way a user does --------------------------------------------------------------


def config_seed(spec: Spec, how: str) -> int:
    """A torch seed fixed by the configuration and how it is built, so their verdict never changes."""
    return zlib.crc32(repr((spec, how)).encode())


@dataclass(frozen=True)
class Built:
    """How the module under test was built: BUILDS, dtype and device, after torch.manual_seed(seed)."""

    spec: Spec
    seed: int
    how: str = "to"
    dtype: torch.dtype = torch.float32
    device: str = "cpu"

    def module(self) -> torch.nn.Module:
        """The module, leaving the global generators as they were.

        Only the CPU generator matters to a CPU module; seeding it alone is what torch.manual_seed does
        for it, without torch.manual_seed's costly bookkeeping for lazily initialised accelerators.
        """
        on_cuda = torch.device(self.device).type == "cuda"
        with torch.random.fork_rng(devices=[self.device] if on_cuda else []):
            torch.default_generator.manual_seed(self.seed)
            if on_cuda:
                torch.cuda.manual_seed(self.seed)
            return build_module(self.spec, self.dtype, self.device, self.how)

    def source(self) -> str:
        dtype = "" if self.how == "to" and self.dtype == torch.float32 else str(self.dtype)
        return build_source(self.spec, self.how, self.seed, self.device, dtype)

    def describe(self) -> str:
        module = f"{implementation.current().short(self.spec.kind)}(**{self.spec.constructor_kwargs()!r})"
        how = {"to": "", "factory": f" with device={self.device!r}, dtype={self.dtype}", "meta": " on the meta device"}
        then = ", then to_empty() and reset_parameters()" if self.how == "meta" else ""
        return f"{module} built{how[self.how]} after torch.manual_seed({self.seed}){then}"


BUILT_AS = st.sampled_from(BUILDS)
BUILT_DTYPES = st.sampled_from([torch.float32, torch.float64])


def bound_text(spec: Spec) -> str:
    return f"b = 1/sqrt(hidden_size) = 1/sqrt({spec.hidden_size}) = {init_bound(spec):.6g}"


# init.bounds ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outside:
    """The first value of a parameter outside [-b, b], and how many of its values are."""

    name: str
    index: tuple[int, ...]
    value: float
    count: int
    size: int

    @property
    def element(self) -> str:
        return f"{self.name}[{', '.join(map(str, self.index))}]"


def first_outside(module: torch.nn.Module, bound: float) -> Outside | None:
    for name, p in module.named_parameters():
        allowed = bound * (1.0 + ROUNDING_ULPS * torch.finfo(p.dtype).eps)
        values = p.detach().cpu().double().numpy()
        bad = ~(np.abs(values) <= allowed)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            return Outside(name, index, float(values[index]), int(bad.sum()), bad.size)
    return None


def check_support(claim_: Claim, variant: str, built: Built, module: torch.nn.Module) -> None:
    """Fail `claim_` with the first value outside [-b, b]."""
    spec = built.spec
    outside = first_outside(module, init_bound(spec))
    if outside is None:
        return
    b = init_bound(spec)
    finding = (
        f"{outside.element} is {outside.value:.6g}, outside [-{b:.6g}, {b:.6g}] ({bound_text(spec)}); "
        f"{outside.count} of its {outside.size} values lie outside; in {built.describe()}"
    )
    repro = f"{built.source()}; print(m.{outside.element}.item())"
    fail(claim_, variant, finding, repro=repro)


@BOUNDS.check()
def test_parameters_lie_within_the_bound(variant: str, data: st.DataObject) -> None:
    spec = data.draw(specs(variant), label="spec")
    seed = data.draw(st.integers(0, 2**32 - 1), label="torch seed")
    how, dtype = data.draw(BUILT_AS, label="built as"), data.draw(BUILT_DTYPES, label="dtype")
    built = Built(spec, seed, how, dtype)
    check_support(BOUNDS, variant, built, built.module())


@FACTORY_KWARGS.check(pytest.mark.parametrize("dtype", DTYPES, ids=str))
def test_factory_arguments_place_the_parameters(
    variant: str, dtype: torch.dtype, device: str, data: st.DataObject
) -> None:
    spec = data.draw(specs(variant), label="spec")
    built = Built(spec, data.draw(st.integers(0, 2**32 - 1), label="torch seed"), "factory", dtype, device)
    module = built.module()
    for name, p in module.named_parameters():
        repro = f"{built.source()}; print(m.{name}.dtype, m.{name}.device)"
        actual, wanted = (p.dtype, p.device), (dtype, torch.device(device))
        assert_equal(FACTORY_KWARGS, variant, f"{name}'s dtype and device", actual, wanted, repro=repro)
    check_support(FACTORY_KWARGS, variant, built, module)


# init.uniform ---------------------------------------------------------------------------------------


def dkw_radius(n: int, alpha: float) -> float:
    """eps with P(KS distance of n uniform values > eps) <= alpha: Massart's 2 exp(-2 n eps^2) = alpha."""
    return math.sqrt(math.log(2.0 / alpha) / (2.0 * n))


def bernstein_radius(n: int, variance: float, spread: float, alpha: float) -> float:
    """t with P(|mean - mu| >= t) <= alpha for n i.i.d. values with |x - mu| <= spread and this variance.

    Bernstein: P <= 2 exp(-n t^2 / (2 variance + 2 spread t / 3)); t solves the quadratic at equality.
    """
    log_term = math.log(2.0 / alpha)
    linear = 2.0 * spread * log_term / 3.0
    return (linear + math.sqrt(linear**2 + 8.0 * n * variance * log_term)) / (2.0 * n)


def ks_distance(ordered: np.ndarray) -> float:
    """sup |F_n - F| between the empirical CDF of the sorted values and the CDF of U(-1, 1)."""
    n = ordered.size
    cdf = np.clip((ordered + 1.0) / 2.0, 0.0, 1.0)
    steps = np.arange(1, n + 1) / n
    return float(max(np.max(steps - cdf), np.max(cdf - (steps - 1.0 / n))))


@dataclass(frozen=True)
class Statistic:
    """A statistic of the scaled values, what U(-1, 1) expects of it, and its critical distance."""

    what: str
    role: str | None
    """The role the statistic is about, None for all the values together."""
    value: float
    expected: float
    radius: float
    alpha: float

    @property
    def excess(self) -> float:
        """|value - expected| in units of the critical distance: above 1 rejects."""
        return abs(self.value - self.expected) / self.radius

    @property
    def rejects(self) -> bool:
        return not self.excess <= 1.0


def role(name: str) -> str:
    """weight_ih, weight_hh, bias_ih, bias_hh or weight_hr: the name without layer and direction."""
    return name.split("_l")[0]


def scaled_roles(module: torch.nn.Module, bound: float) -> dict[str, np.ndarray]:
    """The values of each role, pooled over layers and directions, divided by b, sorted."""
    roles: dict[str, list[np.ndarray]] = {}
    for name, p in module.named_parameters():
        roles.setdefault(role(name), []).append(p.detach().double().numpy().ravel() / bound)
    return {r: np.sort(np.concatenate(parts)) for r, parts in roles.items()}


def ks_statistic(what: str, role_: str | None, u: np.ndarray, alpha: float) -> Statistic:
    return Statistic(
        f"the Kolmogorov-Smirnov distance of {what} to U(-1, 1)",
        role_,
        ks_distance(u),
        0.0,
        dkw_radius(u.size, alpha),
        alpha,
    )


MOMENTS = (
    ("mean", 0.0, 1 / 3, 1.0),
    ("mean square", 1 / 3, 4 / 45, 2 / 3),
    ("mean fourth power", 1 / 5, 16 / 225, 4 / 5),
)
"""(name, mean, variance, largest |u^k - mean|) of u, u^2 and u^4 under U(-1, 1)."""


def statistics(roles: dict[str, np.ndarray]) -> list[Statistic]:
    """Every statistic init.uniform tests, each at ALPHA / (their number), on sorted values within [-1, 1]."""
    pooled = np.sort(np.concatenate(list(roles.values())), kind="stable")  # merges the sorted runs
    n = pooled.size
    alpha = ALPHA / (len(roles) + 1 + len(MOMENTS))
    result = [ks_statistic(f"the {u.size} {r} values", r, u, alpha) for r, u in roles.items()]
    result.append(ks_statistic(f"all {n} values", None, pooled, alpha))
    square = pooled * pooled
    values = (float(pooled.mean()), float(square.mean()), float(np.mean(square * square)))
    for (name, mean, variance, spread), value in zip(MOMENTS, values, strict=True):
        radius = bernstein_radius(n, variance, spread, alpha)
        result.append(Statistic(f"the {name} of all {n} values", None, value, mean, radius, alpha))
    return result


def scaled_values_reproducer(built: Built, role_: str | None) -> str:
    chosen = f" if n.startswith({role_!r})" if role_ else ""
    return (
        f"{built.source()}; u = torch.cat([p.detach().flatten() for n, p in m.named_parameters()"
        f"{chosen}]) * {built.spec.hidden_size} ** 0.5"
    )


@st.composite
def sampled_specs(draw: st.DrawFn, variant: str) -> Spec:
    """A configuration of `variant` with enough parameters for the statistics to have power.

    hidden_size in the tens; input_size from 1 to 128, so that a bound computed from input_size differs
    markedly from the documented one in most examples; proj_size anywhere below hidden_size.
    """
    spec = draw(specs(variant), label="spec")
    hidden = draw(st.integers(*HIDDEN_FOR_STATISTICS), label="hidden_size")
    spec = spec.with_(hidden_size=hidden, input_size=draw(st.integers(1, 128), label="input_size"))
    if spec.proj_size:
        spec = spec.with_(proj_size=draw(st.integers(1, hidden - 1), label="proj_size"))
    return spec


@UNIFORM.check()
def test_parameters_are_uniform(variant: str, data: st.DataObject) -> None:
    spec = data.draw(sampled_specs(variant), label="spec")
    how = data.draw(BUILT_AS, label="built as")
    built = Built(spec, config_seed(spec, how), how)
    module = built.module()
    check_support(UNIFORM, variant, built, module)
    tested = statistics(scaled_roles(module, init_bound(spec)))
    rejected = [stat for stat in tested if stat.rejects]
    if rejected:
        worst = max(rejected, key=lambda stat: stat.excess)
        finding = (
            f"with the values divided by {bound_text(spec)}, {worst.what} is {worst.value:.4g}, where "
            f"U(-b, b) keeps it within {worst.expected:.4g} +/- {worst.radius:.3g} except with probability "
            f"{worst.alpha:.2g} ({len(rejected)} of the {len(tested)} statistics tested reject); in "
            f"{built.describe()}"
        )
        fail(UNIFORM, variant, finding, repro=scaled_values_reproducer(built, worst.role))
