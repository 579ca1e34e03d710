import torch
import torch.compiler as tc
from torch._dynamo import is_compiling
from torch.compiler import is_exporting


def log(*args):
    pass


class M(torch.nn.Module):
    def forward(self, x, n: int, flag: bool, t: torch.Tensor):
        if not torch.compiler.is_exporting():  # guard: outside  truth: -
            log(x)  # skipped
        else:
            log(n)  # runs
        if is_exporting():  # guard: while
            y = x  # runs
        elif flag:
            y = t  # skipped
        else:
            y = x + 1  # skipped
        if not is_compiling() and x.sum() > 0:  # guard: outside  truth: -
            log(x)  # skipped
        if flag or not tc.is_compiling():  # guard: none
            log(x)  # runs
        if is_exporting() or x.any():  # guard: while  truth: -
            log(x)  # runs
        exporting = torch.compiler.is_exporting()
        if not exporting:  # guard: outside
            log(x)  # skipped
        while not torch._dynamo.is_compiling():  # guard: outside
            log(x)  # skipped
            break
        z = x if torch.compiler.is_compiling() else x.numpy()  # runs: x  skipped: x.numpy()
        w = torch.compiler.is_compiling() or x.tolist()  # skipped: x.tolist()
        v = not torch.compiler.is_compiling() and x.tolist()  # skipped: x.tolist()
        u = flag and x.tolist()  # runs: x.tolist()
        if torch.jit.is_tracing():  # guard: none
            log(x)  # runs
        if t > 0:  # truth: t > 0
            pass
        if not (flag and t.all()):  # truth: t.all()
            pass
        if flag or x.any():  # truth: x.any()
            pass
        if torch.equal(x, t):  # truth: torch.equal(x, t)
            pass
        if x.item() > 0:  # truth: -
            pass
        if bool(t):  # truth: bool(t)
            pass
        if x:  # truth: -
            pass
        if n > 0:  # truth: -
            pass
        for i in range(3):
            if torch.compiler.is_compiling():
                continue
            log(i)  # skipped
        log(n)  # runs
        if torch.compiler.is_exporting():
            return y
        log(x)  # skipped
        return z  # skipped


def helper(x):
    if not torch.compiler.is_exporting():
        log(x)  # skipped
    else:
        return x
    log(x)  # skipped
