# policy tests: filled in by its owner. Add test programs to check_PROGRAMS and tests/policy/Kyuafile.
