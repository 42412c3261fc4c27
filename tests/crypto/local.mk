# crypto tests: filled in by its owner. Add test programs to check_PROGRAMS and tests/crypto/Kyuafile.
