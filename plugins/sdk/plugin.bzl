"""riskflow_detector(): one place for how a detector plugin is built.

For a detector `name` it generates
  :<name>_lib     cc_library with the detector code, compiled with hidden
                  visibility; alwayslink so the entry point is never dropped.
                  Unit tests link it with //plugins/sdk:fake_host.
  :lib<name>.so   the loadable plugin: linkshared, linkstatic, exporting only
                  riskflow_plugin_descriptor_v1 (//plugins/sdk:exports.lds)
                  and refusing undefined symbols at link time, so a missing
                  definition fails the build instead of the host's dlopen().
The test (:<name>_test) is written by hand in each plugin's BUILD.bazel.
"""

_SDK = "//plugins/sdk:sdk"
_EXPORTS = "//plugins/sdk:exports.lds"

# Hidden by default: only what the SDK macro marks default is visible, so the
# version script is a second fence, not the only one.
PLUGIN_COPTS = [
    "-fvisibility=hidden",
    "-fvisibility-inlines-hidden",
]

def riskflow_detector(name, srcs, hdrs = [], deps = [], copts = [], **kwargs):
    """Declares :<name>_lib and :lib<name>.so for one detector.

    Args:
      name: the detector's folder / plugin name, e.g. "velocity".
      srcs: detector sources (must contain one RISKFLOW_DETECTOR line).
      hdrs: detector headers, if any.
      deps: extra std-only libraries (never absl / protobuf: plugins must not
        depend on the host's builds).
      copts: extra compiler flags.
      **kwargs: passed to both rules (e.g. tags).
    """
    native.cc_library(
        name = name + "_lib",
        srcs = srcs,
        hdrs = hdrs,
        copts = PLUGIN_COPTS + copts,
        deps = [_SDK] + deps,
        alwayslink = 1,
        # Compiled hidden, so it must never become its own .so (Bazel's
        # dynamic test mode): tests would not see its helpers.
        linkstatic = 1,
        visibility = ["//visibility:public"],
        **kwargs
    )
    native.cc_binary(
        name = "lib" + name + ".so",
        linkshared = 1,
        linkstatic = 1,
        deps = [":" + name + "_lib", _EXPORTS],
        linkopts = [
            "-Wl,--version-script=$(location %s)" % _EXPORTS,
            "-Wl,--no-undefined",
        ],
        visibility = ["//visibility:public"],
        **kwargs
    )
