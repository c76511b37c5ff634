"""The generic module contract, as torch's own module tests list it, judged on every variant: the repr,
train() and eval(), requires_grad_(), forward hooks, and parametrized weights.

Sizes. None of these claims is about the kernels' arithmetic, so the forward calls are drawn at the
mode checks' small sizes (sizes.SMALL); the repr and the training flag need no call at all. Every
forward is judged against the reference as the value checks judge theirs (run(), expected(), judge()).
"""

from __future__ import annotations

import ast
import warnings
from collections import Counter
from dataclasses import replace
from typing import NoReturn

import numpy as np
import torch
from hypothesis import strategies as st

from conformance.claims import Claim
from conformance.claims.contract import HOOKS, PARAMETRIZED, REPR, REQUIRES_GRAD, TRAIN_EVAL
from conformance.draw.example import Example
from conformance.draw.sizes import SMALL
from conformance.draw.strategies import specs, within
from conformance.judge.compare import fail, judge
from conformance.judge.reproducer import DEPLOYED, construction_snippet, module_snippet
from conformance.oracle.expected import expected_outputs
from conformance.oracle.tolerances import SAFETY, eps, forward_tolerance
from conformance.run import contract, implementation
from conformance.run.modes import Call
from conformance.run.modules import build_module
from conformance.run.torch_run import module_for, run
from conformance.test_modes import SEED, SUBSET, judged_call, mode_failures, small_example, subset
from reference import Spec, parameter_table

F64 = torch.float64

# Reproducers ---------------------------------------------------------------------------------


def call_snippet(example: Example, style: str, *lines: str) -> str:
    """Python source that builds the example's module, draws inputs of its shapes, runs `lines`, then
    calls the module as `style` says: `result`."""
    shapes = {"x": example.x, "h0": example.h0, "c0": example.c0}
    given = [f"{name} = torch.randn{tuple(a.shape)}" for name, a in shapes.items() if a is not None]
    hx = None if example.h0 is None else ("(h0, c0)" if example.c0 is not None else "h0")
    if style == contract.KEYWORDS:
        arguments = "input=x" + (f", hx={hx}" if hx else "")
    elif style == contract.HX_KEYWORD:
        arguments = "x" + (f", hx={hx}" if hx else "")
    else:
        arguments = "x" + (f", {hx}" if hx else "")
    return module_snippet(example.spec, *given, *lines, f"result = module({arguments})")


# repr ----------------------------------------------------------------------------------------

DEFAULTS: dict[str, object] = {
    "num_layers": 1,
    "nonlinearity": "tanh",
    "bias": True,
    "batch_first": False,
    "dropout": 0.0,
    "bidirectional": False,
    "proj_size": 0,
}
"""The documented defaults of the constructor arguments after input_size and hidden_size."""


def non_defaults(spec: Spec) -> dict[str, object]:
    """The documented arguments of `spec` that differ from their defaults."""
    kwargs = spec.constructor_kwargs()
    return {name: kwargs[name] for name, default in DEFAULTS.items() if name in kwargs and kwargs[name] != default}


def parsed(text: str) -> object:
    """A value as a repr writes it: a Python literal, or a bare word (nonlinearity=relu) as itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def agrees(text: str, value: object) -> bool:
    found = parsed(text)
    return isinstance(found, bool) == isinstance(value, bool) and found == value


@REPR.check()
def test_repr_names_the_arguments(variant: str, data: st.DataObject) -> None:
    spec = data.draw(specs(variant), label="spec")
    text = repr(build_module(spec, torch.float32, "cpu"))
    wanted = non_defaults(spec)
    documented = ", ".join([str(spec.input_size), str(spec.hidden_size), *(f"{k}={v}" for k, v in wanted.items())])
    repro = construction_snippet(spec, "repr(module)")

    def wrong(why: str) -> NoReturn:
        finding = f"repr(module) is {text!r}, {why} (the documented arguments: {spec.kind}({documented}))"
        fail(REPR, variant, finding, None, repro)

    head = f"{spec.kind}("
    if not (text.startswith(head) and text.endswith(")")):
        wrong(f"not {head}...)")
    parts = text[len(head) : -1].split(", ")
    if parts[:2] != [str(spec.input_size), str(spec.hidden_size)]:
        wrong(f"which does not open with input_size and hidden_size, {spec.input_size}, {spec.hidden_size}")
    named: dict[str, str] = {}
    for part in parts[2:]:
        name, equals, written = part.partition("=")
        if not equals or name in named:
            wrong(f"whose {part!r} is not one more name=value")
        named[name] = written
    for name, value in wanted.items():
        if name not in named:
            wrong(f"which does not name {name}={value}")
        if not agrees(named[name], value):
            wrong(f"which gives {name}={named[name]}, not {value!r}")
    for name in named.keys() - wanted.keys():
        wrong(f"which names {name}={named[name]}, an argument at its default or none of the documented ones")


# train() and eval() --------------------------------------------------------------------------

SWITCHES = ("train()", "train(True)", "train(False)", "eval()")
TRAINING = {"train()": True, "train(True)": True, "train(False)": False, "eval()": False}


def switched(module: torch.nn.Module, switch: str) -> object:
    if switch == "eval()":
        return module.eval()
    return module.train() if switch == "train()" else module.train(switch == "train(True)")


@TRAIN_EVAL.check()
def test_train_and_eval_set_the_mode(variant: str, data: st.DataObject) -> None:
    spec = data.draw(within(SMALL, specs(variant)), label="spec")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="dropout option adds dropout")
        module = implementation.current().build(spec.kind, **spec.constructor_kwargs())
    assert isinstance(module, torch.nn.Module)
    start = data.draw(st.booleans(), label="built, then train(mode) with mode")
    module.train(start)
    switches = data.draw(st.lists(st.sampled_from(SWITCHES), min_size=1, max_size=5), label="then called")
    done = [f"module.train({start})"]
    for switch in switches:
        done.append(f"module.{switch}")
        repro = module_snippet(spec, *done[:-1], f"print(module.{switch} is module, module.training)")
        returned = switched(module, switch)
        if returned is not module:
            fail(TRAIN_EVAL, variant, f"{'; '.join(done)} returned {returned!r}, not the module itself", None, repro)
        flags = {name or "the module": m.training for name, m in module.named_modules()}
        wrong = {name: flag for name, flag in flags.items() if flag is not TRAINING[switch]}
        if wrong:
            finding = f"after {'; '.join(done)}, training is {wrong}, not {TRAINING[switch]}"
            fail(TRAIN_EVAL, variant, finding, None, repro)


# requires_grad_() ----------------------------------------------------------------------------


def judged_outputs(claim: Claim, variant: str, example: Example, outputs: dict[str, np.ndarray], how: str) -> None:
    tol = forward_tolerance(example.spec, example.seq_len, example.dtype)
    for name, truth in expected_outputs(example).items():
        judge(claim, variant, example, name, outputs[name], truth, tol, how=how)


def grad_enabled_lines(*calls: str) -> list[str]:
    """Reproducer lines after the weights are loaded: `calls` made, and the module called with grad mode
    enabled (as the check calls it), whatever grad mode the reproducer's call is made in."""
    return [*calls, "frozen = module", "module = torch.enable_grad()(lambda *args: frozen(*args))"]


@REQUIRES_GRAD.check()
def test_requires_grad_off_and_on(variant: str, device: str, data: st.DataObject) -> None:
    example = small_example(data, variant, F64, device)
    module = module_for(example)
    calls: list[str] = []
    for flag in (False, True):
        calls.append(f"module.requires_grad_({'False' if not flag else ''})")
        done = "; ".join(calls)
        flags = "print({name: p.requires_grad for name, p in module.named_parameters()})"
        repro = module_snippet(example.spec, *calls, flags)
        returned = module.requires_grad_() if flag else module.requires_grad_(False)
        if returned is not module:
            fail(REQUIRES_GRAD, variant, f"{done} returned {returned!r}, not the module", example, repro)
        wrong = [name for name, p in module.named_parameters() if p.requires_grad is not flag]
        if wrong:
            fail(
                REQUIRES_GRAD,
                variant,
                f"after {done}, {', '.join(wrong)} {'do not ' * flag}require grad",
                example,
                repro,
            )
        case = replace(example, extra={**example.extra, DEPLOYED: grad_enabled_lines(*calls)})
        result = run(case, contract.Calling(module, grad=True))
        judged_outputs(REQUIRES_GRAD, variant, case, result.outputs, f"{done}, then called with grad mode enabled")
        assert result.returned is not None
        wrong = [name for name, t in result.returned.items() if t.requires_grad is not flag]
        if wrong:
            repro = call_snippet(example, contract.POSITIONAL, *calls, "torch.set_grad_enabled(True)")
            repro += "\nprint([t.requires_grad for t in torch.utils._pytree.tree_leaves(result)])"
            finding = f"after {done}, called with grad mode enabled on an input that does not require grad, "
            finding += f"{', '.join(wrong)} {'do not ' * flag}require grad"
            fail(REQUIRES_GRAD, variant, finding, example, repro)


# Forward hooks -------------------------------------------------------------------------------

HOOKS_SOURCE = [
    "seen = []",
    "record = lambda name: lambda m, *given: seen.append((name, given))",
    "module.register_forward_pre_hook(record('pre'))",
    "module.register_forward_pre_hook(record('pre with_kwargs'), with_kwargs=True)",
    "module.register_forward_hook(record('post'))",
    "module.register_forward_hook(record('post with_kwargs'), with_kwargs=True)",
]


@HOOKS.check()
def test_forward_hooks_see_the_call(variant: str, device: str, data: st.DataObject) -> None:
    example = small_example(data, variant, F64, device)
    style = data.draw(st.sampled_from(contract.STYLES), label="arguments given")
    forward = contract.Calling(module_for(example), style)
    how = f"called with {style}, every hook registered"
    with contract.hooked(forward.module) as seen:
        result = run(example, forward)
    judged_outputs(HOOKS, variant, example, result.outputs, how)
    repro = call_snippet(example, style, *HOOKS_SOURCE) + "\nfor name, given in seen:\n    print(name, given)"

    def wrong(finding: str) -> NoReturn:
        fail(HOOKS, variant, f"called with {style}: {finding}", example, repro)

    calls = Counter(s.hook for s in seen)
    for hook in contract.HOOKS:
        if calls[hook] != 1:
            wrong(f"the {hook} was called {calls[hook]} times")
    order = [s.hook in contract.AFTER for s in seen]
    if order != sorted(order):
        wrong(f"the hooks were called in the order {[s.hook for s in seen]}: a forward hook before a pre-hook")
    for s in seen:
        if not contract.same(s.args, forward.args):
            wrong(f"the {s.hook} was given args {s.args!r}, not the positional arguments {forward.args!r}")
        if s.hook in contract.WITH_KWARGS and not contract.same_kwargs(s.kwargs, forward.kwargs):
            wrong(f"the {s.hook} was given kwargs {s.kwargs!r}, not the keyword arguments {forward.kwargs!r}")
        if s.hook in contract.AFTER and not contract.same(s.output, forward.result):
            wrong(f"the {s.hook} was given an output that is not the tensors the call returned: {s.output!r}")


# Parametrized weights ------------------------------------------------------------------------


@st.composite
def plans(draw: st.DrawFn, spec: Spec) -> list[contract.Parametrization]:
    """A drawn subset of the weights (the first alone when it shrinks), each parametrized one drawn way."""
    names = subset([name for name, _ in parameter_table(spec) if name.startswith("weight")], draw(SUBSET))
    plan = []
    for name in names:
        kind = draw(st.sampled_from(contract.KINDS), label=f"{name} parametrized")
        factor = draw(st.sampled_from(contract.FACTORS), label=f"{name} scaled by") if kind == contract.SCALED else 1.0
        plan.append(contract.Parametrization(name, kind, factor))
    return plan


def orthonormal(variant: str, case: Example, plan: list[contract.Parametrization], how: str) -> None:
    """Each orthogonal weight's Q^T Q (Q Q^T, wide) is the identity within SAFETY eps per row or column."""
    for p in plan:
        if p.kind != contract.ORTHOGONAL:
            continue
        w = case.params[p.name]
        # matrix_exp and the Cayley map err by more than a product's rounding as the original grows: the bound
        # is float32's per row or column whatever the dtype until one is derived (2.9e-12 seen in float64)
        error, allowed = contract.orthonormality(w), SAFETY * eps(torch.float32) * max(w.shape)
        if not error <= allowed:
            which = "Q^T Q" if w.shape[0] >= w.shape[1] else "Q Q^T"
            finding = f"{p.name} of shape {w.shape}: {which} is off the identity by {error:.3g} (allowed {allowed:.3g})"
            fail(PARAMETRIZED, variant, finding, case, how=how)


def reproduced(case: Example, plan: list[contract.Parametrization]) -> Example:
    """The case with the lines that parametrize the reproducer's module as `plan` says."""
    return replace(case, extra={**case.extra, DEPLOYED: contract.registration_source(plan)})


@PARAMETRIZED.check()
def test_parametrized_values(variant: str, device: str, data: st.DataObject) -> None:
    example = replace(small_example(data, variant, F64, device), mode=PARAMETRIZED.mode)
    plan = data.draw(plans(example.spec), label="parametrizations")
    seed = data.draw(SEED, label="parametrization seed")
    how = "parametrized: " + ", ".join(p.describe() for p in plan)
    with mode_failures(PARAMETRIZED, variant, how, example):
        module, case = contract.parametrized(example, plan, seed)
    orthonormal(variant, case, plan, how)
    judged_call(PARAMETRIZED, variant, how, Call(module, reproduced(case, plan)))
    how += ", then the originals changed in place"
    with mode_failures(PARAMETRIZED, variant, how, case):
        contract.change_originals(module, plan, seed)
        case = contract.effective(example, module, plan)
    orthonormal(variant, case, plan, how)
    judged_call(PARAMETRIZED, variant, how, Call(module, reproduced(case, plan)))
