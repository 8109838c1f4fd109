// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark 2's network (bpf/PROTOCOL.md, "Topology"): two private network namespaces joined by a veth
 * pair, made with rtnetlink from the agent itself. Why not ip(8): the guest is a bare busybox
 * initramfs whose `ip` has no `netns` and no veth `peer … netns`, and on the host the namespaces stay
 * unnamed (never bind-mounted under /run/netns), so they die with the agent's descriptors whatever
 * ends it: nothing to clean up, nothing a Ctrl-C can leave behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include "agent.h"

struct nlreq {
	struct nlmsghdr n;
	char buf[1024];
};

static struct rtattr *add_attr(struct nlmsghdr *n, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

static void end_nest(struct nlmsghdr *n, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)n + n->nlmsg_len - (char *)nest);
}

/* Sends one request on a fresh socket of the current namespace and waits for its ack: 0 or -errno. */
static int nl_talk(struct nlmsghdr *n)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	n->nlmsg_seq = 1;
	int e = 0;
	if (send(fd, n, n->nlmsg_len, 0) < 0) {
		e = -errno;
	} else {
		char buf[4096];
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			e = -errno;
		else if (len >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) && ((struct nlmsghdr *)buf)->nlmsg_type == NLMSG_ERROR)
			e = ((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))->error;
		else
			e = -EPROTO;
	}
	close(fd);
	return e;
}

static struct ifinfomsg *link_msg(struct nlreq *r, int flags)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r->n.nlmsg_type = RTM_NEWLINK;
	r->n.nlmsg_flags = (unsigned short)flags;
	return NLMSG_DATA(&r->n);
}

/* veth `name` here, its peer `peer` in the namespace behind peer_ns: one message, like `ip link add … type veth peer … netns`. */
static int add_veth(const char *name, const char *peer, int peer_ns)
{
	struct nlreq r;
	link_msg(&r, NLM_F_CREATE | NLM_F_EXCL);
	add_attr(&r.n, IFLA_IFNAME, name, strlen(name) + 1);
	struct rtattr *info = add_attr(&r.n, IFLA_LINKINFO, NULL, 0);
	add_attr(&r.n, IFLA_INFO_KIND, "veth", 4);
	struct rtattr *data = add_attr(&r.n, IFLA_INFO_DATA, NULL, 0);
	struct rtattr *p = add_attr(&r.n, VETH_INFO_PEER, NULL, 0);
	/* The peer's own ifinfomsg comes first inside VETH_INFO_PEER. */
	r.n.nlmsg_len += NLMSG_ALIGN(sizeof(struct ifinfomsg));
	add_attr(&r.n, IFLA_IFNAME, peer, strlen(peer) + 1);
	add_attr(&r.n, IFLA_NET_NS_FD, &peer_ns, sizeof(peer_ns));
	end_nest(&r.n, p);
	end_nest(&r.n, data);
	end_nest(&r.n, info);
	return nl_talk(&r.n);
}

static int link_up(const char *name)
{
	struct nlreq r;
	struct ifinfomsg *i = link_msg(&r, 0);
	i->ifi_index = (int)if_nametoindex(name);
	if (i->ifi_index == 0)
		return -ENODEV;
	i->ifi_flags = IFF_UP;
	i->ifi_change = IFF_UP;
	return nl_talk(&r.n);
}

static int add_addr(const char *name, const char *addr)
{
	struct nlreq r;
	memset(&r, 0, sizeof(r));
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r.n.nlmsg_type = RTM_NEWADDR;
	r.n.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct ifaddrmsg *a = NLMSG_DATA(&r.n);
	a->ifa_family = AF_INET;
	a->ifa_prefixlen = 24;
	a->ifa_index = if_nametoindex(name);
	if (a->ifa_index == 0)
		return -ENODEV;
	struct in_addr in;
	inet_pton(AF_INET, addr, &in);
	add_attr(&r.n, IFA_LOCAL, &in, sizeof(in));
	add_attr(&r.n, IFA_ADDRESS, &in, sizeof(in));
	return nl_talk(&r.n);
}

int enter_ns(int fd)
{
	return setns(fd, CLONE_NEWNET) == 0 ? 0 : -errno;
}

/* A new namespace held by a descriptor only; the agent is back in `home` afterwards. */
static int new_ns(int home)
{
	if (unshare(CLONE_NEWNET) != 0)
		return -errno;
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int e = fd < 0 ? -errno : 0;
	enter_ns(home);
	return fd < 0 ? e : fd;
}

/* Brings up lo and `dev` with `addr` inside namespace `ns`; the agent is back in `home` afterwards. */
static int configure(int home, int ns, const char *dev, const char *addr, const char **what)
{
	int e = enter_ns(ns);
	if (e == 0 && (e = link_up("lo")) != 0)
		*what = "lo up";
	if (e == 0 && (e = link_up(dev)) != 0)
		*what = "link up";
	if (e == 0 && (e = add_addr(dev, addr)) != 0)
		*what = "address";
	enter_ns(home);
	return e;
}

void close_traffic_net(struct traffic_net *n)
{
	int *fds[] = {&n->home, &n->tx_ns, &n->rx_ns};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int open_traffic_net(struct traffic_net *n)
{
	n->home = n->tx_ns = n->rx_ns = -1;
	n->home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (n->home < 0) {
		report_error("netns", NULL, "/proc/self/ns/net: %s", strerror(errno));
		return -1;
	}
	n->tx_ns = new_ns(n->home);
	n->rx_ns = n->tx_ns < 0 ? n->tx_ns : new_ns(n->home);
	if (n->tx_ns < 0 || n->rx_ns < 0) {
		report_error("netns", NULL, "unshare(CLONE_NEWNET): %s", strerror(-(n->tx_ns < 0 ? n->tx_ns : n->rx_ns)));
		close_traffic_net(n);
		return -1;
	}
	int e = enter_ns(n->tx_ns);
	if (e == 0) {
		e = add_veth(TRAFFIC_TX_DEV, TRAFFIC_RX_DEV, n->rx_ns);
		enter_ns(n->home);
	}
	if (e == -EOPNOTSUPP || e == -ENOENT) {
		report_error("module", NULL, "veth: the kernel cannot create a veth pair (%s): it lacks the veth module", strerror(-e));
		close_traffic_net(n);
		return -1;
	}
	if (e) {
		report_error("netns", NULL, "creating the veth pair %s/%s: %s", TRAFFIC_TX_DEV, TRAFFIC_RX_DEV, strerror(-e));
		close_traffic_net(n);
		return -1;
	}
	const char *what = "";
	if ((e = configure(n->home, n->tx_ns, TRAFFIC_TX_DEV, TRAFFIC_TX_ADDR, &what)) == 0)
		e = configure(n->home, n->rx_ns, TRAFFIC_RX_DEV, TRAFFIC_RX_ADDR, &what);
	if (e) {
		report_error("netns", NULL, "%s: %s", what, strerror(-e));
		close_traffic_net(n);
		return -1;
	}
	return 0;
}
