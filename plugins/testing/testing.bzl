"""c_test_plugin(): a hand-written C plugin .so for host refusal tests.

Built like riskflow_detector()'s .so (hidden visibility, only the entry
symbol exported, --no-undefined) but from a C file that writes its
rf_plugin_descriptor by hand, so it can say things the SDK macro never would.
"""

_EXPORTS = "//plugins/sdk:exports.lds"

def c_test_plugin(name, src):
    native.cc_binary(
        name = "lib" + name + ".so",
        testonly = 1,
        srcs = [src],
        copts = ["-fvisibility=hidden"],
        linkshared = 1,
        linkstatic = 1,
        deps = ["//plugins/testing:c_stub", _EXPORTS],
        linkopts = [
            "-Wl,--version-script=$(location %s)" % _EXPORTS,
            "-Wl,--no-undefined",
        ],
        visibility = ["//visibility:public"],
    )
