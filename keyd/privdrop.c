/*
 * Privilege drop (see privdrop.h). Groups first: once the uid is gone,
 * setgroups is no longer permitted. Real, effective and saved ids all
 * change, so nothing can switch back. Capabilities are set with the raw
 * capset call (two 32-bit words, _LINUX_CAPABILITY_VERSION_3) rather than
 * through libcap, for one bit.
 */
#include "keyd/privdrop.h"

#include <grp.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int set_caps(bool keep_ipc_lock)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	memset(data, 0, sizeof(data));
	if (keep_ipc_lock) {
		data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted = CAP_TO_MASK(CAP_IPC_LOCK);
		data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective = CAP_TO_MASK(CAP_IPC_LOCK);
	}
	ENSURE(syscall(SYS_capset, &hdr, data) == 0, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

int keyd_drop_privileges(uid_t uid, gid_t gid, bool keep_ipc_lock)
{
	ENSURE(uid != 0, MOAT_ERR_INVALID_ARG);
	ENSURE(setgroups(1, &gid) == 0, MOAT_ERR_INTERNAL);
	ENSURE(setresgid(gid, gid, gid) == 0, MOAT_ERR_INTERNAL);
	/* Keep the permitted set across the uid change, then cut it to the one capability. */
	ENSURE(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0, MOAT_ERR_INTERNAL);
	ENSURE(setresuid(uid, uid, uid) == 0, MOAT_ERR_INTERNAL);
	TRY(set_caps(keep_ipc_lock));
	ENSURE(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == 0, MOAT_ERR_INTERNAL);
	ENSURE(setuid(0) != 0 && geteuid() == uid && getegid() == gid, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}
