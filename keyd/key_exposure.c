/*
 * Key file exposure to served peers (see key_exposure.h).
 */
#include "keyd/key_exposure.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>

#define MAX_GROUPS 256

/* Whether uid is in group gid: its primary group or a supplementary one. */
static bool uid_in_group(uid_t uid, gid_t gid)
{
	struct passwd *pw = getpwuid(uid);
	if (pw == NULL)
		return false;
	if (pw->pw_gid == gid)
		return true;
	gid_t groups[MAX_GROUPS];
	int n = MAX_GROUPS;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static bool uid_reads(const struct keyd_key *k, uid_t uid, const char **why)
{
	if (uid == 0) {
		*why = "root";
		return true;
	}
	if (k->file_uid == uid) {
		*why = "owner";
		return true;
	}
	if ((k->file_mode & S_IRGRP) && uid_in_group(uid, k->file_gid)) {
		*why = "group";
		return true;
	}
	return false;
}

bool keyd_key_readable_by(const struct keyd_key *k, const struct keyd_allow *a, const char **why)
{
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	if (!k->has_file)
		return false;
	if (k->file_mode & S_IROTH) {
		*why = "other";
		return true;
	}
	if (a->kind == KEYD_ALLOW_UID)
		return uid_reads(k, (uid_t)a->id, why);
	/* A group rule: the group itself may read, or a member that owns the file, or root if it is a member. */
	if ((k->file_mode & S_IRGRP) && k->file_gid == (gid_t)a->id) {
		*why = "group";
		return true;
	}
	if (uid_in_group(k->file_uid, (gid_t)a->id)) {
		*why = "owner";
		return true;
	}
	if (uid_in_group(0, (gid_t)a->id)) {
		*why = "root";
		return true;
	}
	return false;
}
