import torch
import torch._dynamo as torchdynamo
from torch import nn
from torch._dynamo import assume_constant_result


@assume_constant_result
def vocab_size(tokenizer_path):
    return len(open(tokenizer_path).read().split())


def _num_heads(cfg):
    return int(cfg["heads"])


num_heads = torch.compiler.assume_constant_result(_num_heads)


def seq_len(x):
    return int(x.shape[0])


seq_len = torchdynamo.assume_constant_result(seq_len)


def plain_helper(x):
    return x + 1


class Slicer(nn.Module):
    def __init__(self, path, cfg):
        super().__init__()
        self.path = path
        self.cfg = cfg
        self.heads = num_heads(cfg)  # __init__ is not traced
        self.proj = nn.Linear(4, 4)

    @torchdynamo.assume_constant_result
    def get_item(self, y):
        return y.int().item()

    @torch._dynamo.assume_constant_result
    def limit(self):
        return 3

    def helper(self, x):
        return x[: self.limit()]  # want:warning "self\.limit is marked assume_constant_result: the value it returns while exporting is burned into the graph"

    def forward(self, x, y):
        a = x[: self.get_item(y)]  # want:warning "self\.get_item is marked assume_constant_result"
        n = vocab_size(self.path)  # want:warning "vocab_size is marked assume_constant_result"
        h = num_heads(self.cfg)  # want:warning "num_heads wraps a function with assume_constant_result"
        m = seq_len(x)  # want:warning "seq_len wraps a function with assume_constant_result"
        b = self.helper(x)
        c = plain_helper(x)
        return a, b, c, n, h, m


class Other(nn.Module):
    def forward(self, x, num_heads):
        return x * num_heads(x)  # a parameter shadows the module-level wrapper


def script():
    m = Slicer("vocab.txt", {"heads": 2})
    return m.get_item(torch.tensor(3))  # not traced: plain script code
