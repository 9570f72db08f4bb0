#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tfbind_fuzz::manifest(data));
