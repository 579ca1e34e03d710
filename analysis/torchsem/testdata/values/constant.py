import torch
from torch._dynamo import assume_constant_result


def seq_len(x):  # untraced
    return int(x.shape[0])


seq_len = torch._dynamo.assume_constant_result(seq_len)


@assume_constant_result
def width(x):  # untraced
    return x.shape[1]


def plain(x):  # traced: called from M.forward
    return x.shape[0]


class M(torch.nn.Module):
    def forward(self, x):  # traced: forward of M
        a = seq_len(x)  # kind Const|Other
        b = width(x)  # kind Const|Other
        c = plain(x)  # kind Size
        return a + b + c
