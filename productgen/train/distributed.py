"""Data parallelism across ``torchrun`` ranks (gloo on CPU, NCCL on GPU), as DistributedDataParallel does it:
every rank starts from rank 0's weights, gradients are averaged, and all ranks agree on when to stop. With one
process (the usual case) every function here is a no-op."""

from __future__ import annotations

import os

import torch


def rank_and_world() -> tuple[int, int]:
    """(rank, world size); joins the process group when started by ``torchrun``."""
    import torch.distributed as dist

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    return (dist.get_rank(), dist.get_world_size()) if world > 1 else (0, 1)


def all_reduce_mean(tensors) -> None:
    """Each tensor becomes its mean over the ranks, in place."""
    import torch.distributed as dist

    world = dist.get_world_size()
    for tensor in tensors:
        dist.all_reduce(tensor)
        tensor.div_(world)


def broadcast_from_first(modules, world: int) -> None:
    """Every rank takes rank 0's weights and buffers."""
    if world == 1:
        return
    import torch.distributed as dist

    for module in modules:
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, 0)


def average_gradients(module: torch.nn.Module, world: int) -> None:
    if world > 1:
        all_reduce_mean([p.grad for p in module.parameters() if p.grad is not None])


def mean_value(value: float, world: int, device: torch.device) -> float:
    """``value`` averaged over the ranks."""
    if world == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    all_reduce_mean([tensor])
    return float(tensor)


def any_rank(flag: bool, world: int, device: torch.device) -> bool:
    """True on every rank if any rank says so (so all ranks stop at the same step)."""
    if world == 1:
        return flag
    import torch.distributed as dist

    value = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())
