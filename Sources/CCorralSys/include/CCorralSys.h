#ifndef CCORRALSYS_H
#define CCORRALSYS_H

/* System calls Swift's Glibc module does not expose (they need _GNU_SOURCE). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdint.h>

/* Starts writeback of the byte range without waiting for it (Linux sync_file_range with
   SYNC_FILE_RANGE_WRITE); 0 on success, -1 with errno set. Elsewhere a no-op returning 0. */
int corral_start_writeback(int fd, int64_t offset, int64_t length);

/* Waits until the byte range is written back (SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER).
   Not a durability guarantee (no metadata, no device cache flush): use fsync for that. */
int corral_wait_writeback(int fd, int64_t offset, int64_t length);

#endif
