"""riskflow_fuzzer(): one libFuzzer target in the forms riskflow builds.

For a target `name` (source <name>_fuzzer.cc, seeds in corpus/<name>/,
crash reproducers in regressions/<name>/) it declares
  :<name>_fuzzer_lib   cc_library holding LLVMFuzzerTestOneInput;
  :<name>_fuzzer_test  cc_test: fuzz/standalone_main.cc runs every seed and
                       regression file once. Part of `bazel test //...` in
                       the ordinary gcc build (and --config=asan).
  :<name>_fuzzer       cc_binary with libFuzzer's main; tagged manual because
                       only the clang build can link it:
                       `bazel build --config=fuzz //fuzz:<name>_fuzzer`
                       (tools/fuzz.sh does that and runs them).
"""

def riskflow_fuzzer(name, deps, data = [], size = "small"):
    lib = name + "_fuzzer_lib"
    inputs = native.glob(
        ["corpus/%s/**" % name, "regressions/%s/**" % name],
        exclude = ["**/README*"],
    )
    native.cc_library(
        name = lib,
        testonly = 1,
        srcs = [name + "_fuzzer.cc"],
        deps = deps,
        alwayslink = 1,
        linkstatic = 1,
    )
    native.filegroup(
        name = name + "_inputs",
        srcs = inputs,
    )
    native.cc_test(
        name = name + "_fuzzer_test",
        size = size,
        srcs = ["standalone_main.cc"],
        args = ["$(rootpaths :%s_inputs)" % name],
        data = [":%s_inputs" % name] + data,
        deps = [":" + lib],
    )
    native.cc_binary(
        name = name + "_fuzzer",
        testonly = 1,
        deps = [":" + lib],
        data = data,
        linkopts = ["-fsanitize=fuzzer"],
        tags = ["manual"],
    )
