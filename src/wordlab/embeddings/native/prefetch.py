"""Software prefetches for numba kernels (LLVM's ``llvm.prefetch``), which numba does not expose.

word2vec and GloVe are bound by memory latency, not arithmetic. Every noise word of word2vec is a random row of
a matrix far larger than the L2 cache, used for about 50 cycles of SIMD work; GloVe's step touches four random rows
per nonzero, and a miss to memory (~200 ns here) costs more than the arithmetic of the whole step. Asking for the
rows of the next prediction (or of a nonzero a few steps ahead) while computing the current one keeps several
misses in flight instead of stalling on each in turn. A prefetch is only a hint: it never faults and never changes
results.

word2vec writes every row it prefetches, and its threads write the same rows (Hogwild), so its rows are prefetched
for writing (``prefetchw`` on x86): the line arrives owned by this core, where a read prefetch brings a shared copy
and the write that follows must then take the line from the other core in a second round trip. On this machine's
2 virtual cores that halved 2-thread skip-gram's speed whenever the cores were placed apart (issue #14: the
README's benchmark notes give the figures).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

CACHE_LINE = 64


READ, WRITE = 0, 1


def _emit_prefetch(builder, address, access=READ):
    """Call ``llvm.prefetch`` on a byte pointer: read or write access, keep in all cache levels (3), data cache (1)."""
    i32 = ir.IntType(32)
    function = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(ir.VoidType(), [address.type, i32, i32, i32]), "llvm.prefetch.p0"
    )
    builder.call(function, [address, i32(access), i32(3), i32(1)])


@intrinsic
def prefetch_row_for_write(typingctx, matrix, row):
    """Hint the CPU to bring every cache line of ``matrix[row, :]`` (C-contiguous) into L1, owned by this core for the
    write that follows; no effect on values."""
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2 and isinstance(row, types.Integer)):
        return None
    signature = types.void(matrix, row)

    def codegen(context, builder, sig, args):
        array_type, row_type = sig.args
        array = context.make_array(array_type)(context, builder, args[0])
        index = context.cast(builder, args[1], row_type, types.intp)
        shape = cgutils.unpack_tuple(builder, array.shape)
        strides = cgutils.unpack_tuple(builder, array.strides)
        start = cgutils.get_item_pointer2(
            context, builder, array.data, shape, strides, array_type.layout, [index, ir.Constant(index.type, 0)],
            wraparound=False,
        )  # fmt: skip
        byte_ptr = builder.bitcast(start, ir.IntType(8).as_pointer())
        row_bytes = builder.mul(shape[1], ir.Constant(index.type, array_type.dtype.bitwidth // 8))
        step = ir.Constant(index.type, CACHE_LINE)
        with cgutils.for_range_slice(builder, ir.Constant(index.type, 0), row_bytes, step) as (offset, _):
            _emit_prefetch(builder, builder.gep(byte_ptr, [offset]), WRITE)
        last = builder.sub(row_bytes, ir.Constant(index.type, 1))  # the row may straddle one more line
        _emit_prefetch(builder, builder.gep(byte_ptr, [last]), WRITE)
        return context.get_dummy_value()

    return signature, codegen


@intrinsic
def prefetch(typingctx, array, index):
    """Hint that the cache line holding ``array.flat[index]`` (C order) will be read soon."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None
    signature = types.void(array, index)

    def codegen(context, builder, sig, args):
        array_type, index_type = sig.args
        data = context.make_array(array_type)(context, builder, args[0]).data
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(array_type.dtype)))
        offset = builder.mul(context.cast(builder, args[1], index_type, types.intp), itemsize)
        _emit_prefetch(builder, builder.gep(builder.bitcast(data, ir.IntType(8).as_pointer()), [offset]))
        return context.get_dummy_value()

    return signature, codegen
