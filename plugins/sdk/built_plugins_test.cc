// Loads the built detector .so files the way the host does (dlopen with
// RTLD_LOCAL, look up the one entry symbol) and runs each through the fake
// host. Checks what unit tests linking :<name>_lib cannot: the version script
// hides everything else, the .so has no undefined references of its own, and
// several plugins with their own copies of the SDK coexist in one process.
//
// Arguments: paths of the .so files (see BUILD.bazel).
#include <dlfcn.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/sdk/fake_host.h"

namespace riskflow {
namespace sdk {
namespace {

std::vector<std::string>* plugin_paths = nullptr;

struct Loaded {
  void* handle = nullptr;
  const rf_plugin_descriptor* descriptor = nullptr;
};

Loaded Load(const std::string& path) {
  Loaded l;
  std::string full = path.find('/') == 0 ? path : "./" + path;
  l.handle = dlopen(full.c_str(), RTLD_NOW | RTLD_LOCAL);
  EXPECT_NE(l.handle, nullptr) << dlerror();
  if (l.handle == nullptr) return l;
  auto entry = reinterpret_cast<rf_plugin_entry_fn>(
      dlsym(l.handle, RF_PLUGIN_ENTRY_SYMBOL));
  EXPECT_NE(entry, nullptr) << path;
  if (entry != nullptr) l.descriptor = entry();
  return l;
}

TEST(BuiltPluginsTest, OnlyTheEntryPointIsExported) {
  ASSERT_FALSE(plugin_paths->empty());
  for (const std::string& path : *plugin_paths) {
    Loaded l = Load(path);
    ASSERT_NE(l.descriptor, nullptr) << path;
    // SDK helpers linked into every plugin stay private to it.
    EXPECT_EQ(dlsym(l.handle, "_ZN8riskflow3sdk16FormatDurationMsB5cxx11El"),
              nullptr)
        << path;
    EXPECT_EQ(dlsym(l.handle, "_ZN8riskflow3sdk19KnownEventTypeNamesB5cxx11Ev"),
              nullptr)
        << path;
    dlclose(l.handle);
  }
}

TEST(BuiltPluginsTest, AllLoadTogetherAndRun) {
  std::vector<Loaded> loaded;
  for (const std::string& path : *plugin_paths) loaded.push_back(Load(path));
  for (const Loaded& l : loaded) {
    ASSERT_NE(l.descriptor, nullptr);
    std::string name = l.descriptor->name;
    std::map<std::string, std::string> params;
    if (name == "large_amount" || name == "cross_border" ||
        name == "new_beneficiary") {
      params["thresholds"] = "USD:100";
    }
    if (name == "fx_sanity") params["rates"] = "USD/CNY:7.1";
    if (name == "velocity") params["max_events"] = "1";
    // The original three trip on the second identical payout; the others
    // only have to load side by side and run.
    const bool trips = name == "large_amount" || name == "velocity" ||
                       name == "duplicate_payout";
    FakeHost host(l.descriptor);
    ASSERT_TRUE(host.Create(params).ok()) << name << ": " << host.last_error();
    std::vector<FakeAnnotation> out;
    for (const char* id : {"p1", "p2"}) {
      FakeEvent e = FakeEvent()
                        .Id(id)
                        .Type(RF_EVENT_PAYOUT)
                        .At(1000)
                        .Account("acc")
                        .Counterparty("bob")
                        .Amount(100, "USD");
      ASSERT_TRUE(host.Feed(e, &out).ok()) << name << ": " << host.last_error();
    }
    // The second identical payout trips every one of the three.
    if (trips) {
      EXPECT_EQ(out.size(), 1u) << name;
    }
  }
  for (const Loaded& l : loaded) dlclose(l.handle);
}

}  // namespace
}  // namespace sdk
}  // namespace riskflow

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::vector<std::string> paths(argv + 1, argv + argc);
  riskflow::sdk::plugin_paths = &paths;
  return RUN_ALL_TESTS();
}
