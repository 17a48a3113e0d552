#!/usr/bin/env bash
# A local PostgreSQL streaming replica of the machine's PostgreSQL, for `xyjt serve --read-db`
# and its test (docs/domain/scale-out.md).
#
#   scripts/pg-replica.sh start  [PORT]   # pg_basebackup -R onto PORT (default 5433), start it,
#                                         # wait until it accepts connections and is in recovery
#   scripts/pg-replica.sh status [PORT]   # running? streaming? replay lag: 0 when all received WAL
#                                         # is replayed, else the age of the last replayed commit
#                                         # (exit 3 when not running)
#   scripts/pg-replica.sh stop   [PORT]   # stop it and remove its data directory
#   scripts/pg-replica.sh allow           # explicitly allow local replication connections on the
#                                         # primary (edits its pg_hba.conf and reloads)
#
# `start` and `stop` are idempotent. The replica's data directory is
# ${XYJT_REPLICA_DIR:-/tmp/xyjt-pg-replica-PORT}; it copies the whole primary cluster (every
# database) and uses no replication slot, so a forgotten replica never makes the primary keep
# WAL: a replica left behind (after a reboot, say) is taken afresh by the next `start`.
# The primary is PRIMARY_HOST:PRIMARY_PORT (default 127.0.0.1:5432), reached as the `postgres`
# user; the server runs as the `postgres` OS user (run this as root or as postgres).
# `start` never changes the primary's configuration: when the primary does not allow
# replication it fails and says what to change (`allow` does it, when asked to).
set -euo pipefail

cmd="${1:-}"
port="${2:-5433}"
primary_host="${PRIMARY_HOST:-127.0.0.1}"
primary_port="${PRIMARY_PORT:-5432}"
dir="${XYJT_REPLICA_DIR:-/tmp/xyjt-pg-replica-$port}"
data="$dir/data"
log="$dir/replica.log"

die() {
    echo "pg-replica: $*" >&2
    exit 2
}

pgbin="${PGBIN:-}"
if [[ -z "$pgbin" ]]; then
    if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/pg_basebackup" ]]; then
        pgbin="$(pg_config --bindir)"
    else
        pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    fi
fi
[[ -x "$pgbin/pg_basebackup" && -x "$pgbin/pg_ctl" ]] ||
    die "找不到 PostgreSQL 程序（pg_basebackup、pg_ctl）：请设置 PGBIN=…/bin"

# Runs a command as the postgres OS user (the server refuses to run as root).
as_postgres() {
    if [[ "$(id -un)" == postgres ]]; then
        "$@"
    elif [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        die "须以 root 或 postgres 用户运行（数据目录和服务进程属于 postgres）"
    fi
}

psql_primary() {
    "$pgbin/psql" -X -q -At -h "$primary_host" -p "$primary_port" -U postgres -d postgres "$@"
}

psql_replica() {
    "$pgbin/psql" -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}

running() {
    [[ -f "$data/PG_VERSION" ]] && as_postgres "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

in_recovery() {
    [[ "$(psql_replica -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" == t ]]
}

# Fails, saying what to change, unless the primary can stream to a replica.
check_primary() {
    psql_primary -c 'SELECT 1' >/dev/null 2>&1 ||
        die "连不上主库 $primary_host:$primary_port（用户 postgres）"
    local wal_level senders
    wal_level="$(psql_primary -c 'SHOW wal_level')"
    senders="$(psql_primary -c 'SHOW max_wal_senders')"
    [[ "$wal_level" == replica || "$wal_level" == logical ]] ||
        die "主库 wal_level = $wal_level，不能流复制：须在主库配置中设为 replica 并重启主库（本脚本不改主库配置）"
    [[ "$senders" -gt 0 ]] ||
        die "主库 max_wal_senders = 0，不能流复制：须设为大于 0 并重启主库（本脚本不改主库配置）"
    local out
    if ! out="$("$pgbin/psql" -X -q -At \
        "host=$primary_host port=$primary_port user=postgres dbname=postgres replication=true" \
        -c IDENTIFY_SYSTEM 2>&1)"; then
        local hba
        hba="$(psql_primary -c 'SHOW hba_file' 2>/dev/null || echo pg_hba.conf)"
        die "主库不允许来自 $primary_host 的复制连接：$out
须在主库的 $hba 中加入一行（\"all\" 不包括复制连接），再重新加载主库配置：
    host    replication    postgres    127.0.0.1/32    trust
或运行 scripts/pg-replica.sh allow（明确地修改主库的 pg_hba.conf 并重新加载）。本脚本的 start 不改主库配置。"
    fi
}

# The replica's settings that must be at least the primary's for a hot standby.
standby_settings() {
    local name
    for name in max_connections max_worker_processes max_wal_senders \
        max_prepared_transactions max_locks_per_transaction; do
        echo "$name = $(psql_primary -c "SHOW $name")"
    done
}

start() {
    if running; then
        in_recovery || die "端口 $port 上 $data 的服务在运行，但不在恢复（只读副本）状态"
        echo "只读副本已在运行：postgres://postgres@127.0.0.1:$port/（数据目录 $data）"
        return 0
    fi
    if "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port" >/dev/null 2>&1; then
        die "端口 $port 已被另一个 PostgreSQL 占用（不是 $data）"
    fi
    check_primary
    # A copy left behind (not running) may lack WAL the primary no longer keeps: take it afresh.
    rm -rf "$dir"
    mkdir -p "$dir"
    chown postgres: "$dir" 2>/dev/null || true
    chmod 700 "$dir"
    echo "pg_basebackup：从 $primary_host:$primary_port 复制到 $data …"
    as_postgres "$pgbin/pg_basebackup" -h "$primary_host" -p "$primary_port" -U postgres \
        -D "$data" -X stream -R --checkpoint=fast ||
        die "pg_basebackup 失败（见上）"
    # Debian keeps the configuration outside the data directory: the replica gets its own.
    {
        echo "# Written by scripts/pg-replica.sh: a local read replica for xyjt."
        echo "port = $port"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$dir'"
        echo "hot_standby = on"
        echo "shared_buffers = 64MB"
        echo "ssl = off"
        standby_settings
    } | as_postgres tee "$data/postgresql.conf" >/dev/null
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' |
        as_postgres tee "$data/pg_hba.conf" >/dev/null
    as_postgres touch "$data/pg_ident.conf"
    as_postgres "$pgbin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null ||
        die "只读副本没有启动，见 $log"
    local i
    for i in $(seq 1 120); do
        if in_recovery && [[ "$(psql_replica -c 'SELECT status FROM pg_stat_wal_receiver')" == streaming ]]; then
            echo "只读副本已就绪：postgres://postgres@127.0.0.1:$port/（流复制自 $primary_host:$primary_port，数据目录 $data）"
            return 0
        fi
        sleep 0.5
    done
    die "只读副本启动了，但 60 秒内没有进入流复制状态，见 $log"
}

stop() {
    if running; then
        as_postgres "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
        echo "只读副本已停止"
    else
        echo "端口 $port 上没有运行本脚本的只读副本"
    fi
    rm -rf "$dir"
}

status() {
    if ! running; then
        echo "未运行（数据目录 $data）"
        exit 3
    fi
    psql_replica -F ' ' -c "SELECT 'in_recovery=' || pg_is_in_recovery(),
        'receiver=' || coalesce((SELECT status FROM pg_stat_wal_receiver), 'none'),
        'replay_lsn=' || coalesce(pg_last_wal_replay_lsn()::text, '-'),
        'last_replayed_commit=' || coalesce(pg_last_xact_replay_timestamp()::text, '-'),
        'replay_lag_s=' || CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN '0'
            ELSE coalesce(round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::numeric, 3)::text, '-') END"
}

# Explicitly allows local replication connections as `postgres` on the primary.
allow() {
    local hba
    hba="$(psql_primary -c 'SHOW hba_file')" || die "连不上主库 $primary_host:$primary_port"
    [[ -w "$hba" ]] || die "不能写 $hba（须在主库所在机器上以 root 或 postgres 运行）"
    if grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+(postgres|all)[[:space:]]+127\.0\.0\.1/32' "$hba"; then
        echo "$hba 已允许来自 127.0.0.1 的复制连接"
    else
        {
            echo "# Added by xyjt scripts/pg-replica.sh allow: local streaming replicas (tests)."
            echo "local   replication   postgres                  trust"
            echo "host    replication   postgres   127.0.0.1/32   trust"
        } >>"$hba"
        echo "已在 $hba 末尾加入 postgres 用户的本机复制连接（trust）"
    fi
    psql_primary -c 'SELECT pg_reload_conf()' >/dev/null
    echo "主库已重新加载配置"
}

case "$cmd" in
start) start ;;
stop) stop ;;
status) status ;;
allow) allow ;;
*)
    echo "用法：scripts/pg-replica.sh start|stop|status [PORT] | allow" >&2
    exit 64
    ;;
esac
