/* Test-only: a loadable .so with a dummy export but no riskflow entry symbol,
 * so the host's dlsym() lookup fails and LoadPlugin must refuse it. */
int riskflow_not_a_plugin(void) { return 42; }
