-- Used only by the harness test (THIDUA_TEST_INJECT_FAILURE): must fail.
SELECT 1 AS deliberately_wrong;
