"""``tg.autograd.functional``: jacobian, hessian, vjp, jvp, hvp, vhp (torch's signatures)."""

from tangentish.runtime.tape.functional import hessian, hvp, jacobian, jvp, vhp, vjp

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]
