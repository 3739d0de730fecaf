"""A software prefetch of one matrix row, for numba code (LLVM's ``llvm.prefetch``; numba has no prefetch).

word2vec is bound by memory latency, not arithmetic: every noise word is a random row of a matrix far larger than
the L2 cache, and each row is used for about 50 cycles of SIMD work. Asking for the rows of the next prediction
while computing the current one keeps several cache misses in flight instead of stalling on each in turn.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_CACHE_LINE = 64


@intrinsic
def prefetch_row(typingctx, matrix, row):  # type: ignore[no-untyped-def]
    """Hint the CPU to bring every cache line of ``matrix[row, :]`` (C-contiguous) into L1; no effect on values."""
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2 and isinstance(row, types.Integer)):
        return None
    signature = types.void(matrix, row)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
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
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_ptr.type, i32, i32, i32]), "llvm.prefetch.p0"
        )
        row_bytes = builder.mul(shape[1], ir.Constant(index.type, array_type.dtype.bitwidth // 8))
        step = ir.Constant(index.type, _CACHE_LINE)
        with cgutils.for_range_slice(builder, ir.Constant(index.type, 0), row_bytes, step) as (offset, _):
            # read access, keep in all cache levels, data cache
            builder.call(prefetch, [builder.gep(byte_ptr, [offset]), i32(0), i32(3), i32(1)])
        last = builder.sub(row_bytes, ir.Constant(index.type, 1))  # the row may straddle one more line
        builder.call(prefetch, [builder.gep(byte_ptr, [last]), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return signature, codegen
