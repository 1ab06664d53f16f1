//! Keeping the kiosk's resident memory small on an 8 GB PC that also runs PostgreSQL.
//!
//! glibc keeps freed memory for reuse: one arena per thread, and after a large block is freed
//! its mmap threshold rises so later large blocks (camera frames, network buffers) come from
//! the heap and stay resident. Measured on the kiosk (release, 720p image-sequence camera,
//! SFace): 241 MiB resident after a face confirmation with the defaults, 195 MiB with these.

/// Called once at the start of the kiosk, before its threads start.
pub fn keep_heap_small() {
    // SAFETY: mallopt only changes allocator parameters; called before other threads allocate.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        // Fixed thresholds also switch off glibc's dynamic raising of the mmap threshold.
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 * 1024);
    }
}

/// Returns freed pages to the system, e.g. after the face networks were loaded or a face
/// session ended (their temporary buffers are freed but would otherwise stay resident).
pub fn give_back_free_memory() {
    // SAFETY: malloc_trim is thread-safe and only releases memory malloc holds as free.
    unsafe {
        libc::malloc_trim(0);
    }
}
