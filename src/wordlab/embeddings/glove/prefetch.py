"""A software prefetch for numba kernels (LLVM's ``llvm.prefetch``), which numba does not expose.

GloVe's step touches four random rows of 100-400 floats per nonzero; on this hardware a miss to memory costs
~200 ns, more than the arithmetic of the whole step. Asking for the rows of a nonzero a few steps ahead lets
the misses overlap with useful work instead of stalling it. A prefetch is only a hint: it never faults and
never changes results.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

CACHE_LINE = 64


@intrinsic
def prefetch(typingctx, array, index):  # type: ignore[no-untyped-def]
    """Hint that the cache line holding ``array.flat[index]`` (C order) will be read soon."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None
    signature = types.void(array, index)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        array_type, index_type = sig.args
        data = context.make_array(array_type)(context, builder, args[0]).data
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(array_type.dtype)))
        offset = builder.mul(context.cast(builder, args[1], index_type, types.intp), itemsize)
        address = builder.gep(builder.bitcast(data, ir.IntType(8).as_pointer()), [offset])
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [address.type, i32, i32, i32]), "llvm.prefetch.p0"
        )
        # read (0), keep in all cache levels (3), data cache (1)
        builder.call(function, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return signature, codegen
