;; The folded importer's hot loop (see folded-stacks.ts): turns the bytes of one stack
;; `a;b;c` into the id of its node in a call tree, interning frame names and (parent, name)
;; nodes on the way. Names are found, hashed and compared eight bytes at a time, which the
;; JavaScript loop cannot do (DataView reads four and costs a call each).
;; Built to folded-wasm.wasm by scripts/build-wasm.mjs.
;;
;; Memory is handed out by a bump allocator and never reused, so fresh regions are zero; a
;; region that fills up moves to a new place twice its size (the old space stays unused: at
;; most as much again as the final sizes of these small regions). Regions:
;;   input      the bytes JavaScript copies in, padded by 8 so word loads never leave memory
;;   arena      name bytes, padded by 8 the same way; names refer to it by offset
;;   nameInfo   per name: [arena offset, length, hash]
;;   nameSlots  open addressing, per slot [hash, id + 1 (0: empty), arena offset, length]
;;   nodes      per node: [parent, name, only child (0: none, -1: several, in nodeSlots)], in
;;              blocks of 65536 nodes listed in nodeBlocks, so the largest region never moves
;;   nodeSlots  children of nodes with several: per slot [parent, name, id + 1 (0: empty)]
(module
  (memory (export "memory") 16)
  (global $top (mut i32) (i32.const 8))
  (global $inBase (mut i32) (i32.const 0))
  (global $inCap (mut i32) (i32.const 0))
  (global $arenaBase (export "arenaBase") (mut i32) (i32.const 0))
  (global $arenaCap (mut i32) (i32.const 0))
  (global $arenaUsed (mut i32) (i32.const 0))
  (global $nameInfo (export "nameInfo") (mut i32) (i32.const 0))
  (global $nameCap (mut i32) (i32.const 0))
  (global $nameCount (export "nameCount") (mut i32) (i32.const 0))
  (global $nameSlots (mut i32) (i32.const 0))
  (global $nameMask (mut i32) (i32.const 0))
  (global $nodeBlocks (export "nodeBlocks") (mut i32) (i32.const 0))
  (global $nodeCount (export "nodeCount") (mut i32) (i32.const 0))
  (global $nodeSlots (mut i32) (i32.const 0))
  (global $nodeMask (mut i32) (i32.const 0))
  (global $nodeSlotsUsed (mut i32) (i32.const 0))

  ;; `bytes` of fresh memory, 8-aligned; traps when memory cannot grow (JavaScript reports it)
  (func $alloc (param $bytes i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32) (local $pages i32)
    (local.set $ptr (i32.and (i32.add (global.get $top) (i32.const 7)) (i32.const -8)))
    (local.set $end (i32.add (local.get $ptr) (local.get $bytes)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    ;; memory grows by half its size at least: each grow is a garbage collection in V8
    ;; ("external memory pressure"), and pages that are never touched cost nothing
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (local.set $pages (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535)) (i32.const 16)))
        (if (i32.eq (memory.grow (select (local.get $pages) (i32.shr_u (memory.size) (i32.const 1))
                                          (i32.gt_u (local.get $pages) (i32.shr_u (memory.size) (i32.const 1)))))
                    (i32.const -1))
          (then
            (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1)) (then unreachable))))))
    (global.set $top (local.get $end))
    (local.get $ptr))

  ;; a copy of `used` bytes at `from` in a new region of `bytes`
  (func $moved (param $from i32) (param $used i32) (param $bytes i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (call $alloc (local.get $bytes)))
    (memory.copy (local.get $ptr) (local.get $from) (local.get $used))
    (local.get $ptr))

  (func (export "init")
    (global.set $arenaCap (i32.const 65536))
    (global.set $arenaBase (call $alloc (i32.add (global.get $arenaCap) (i32.const 8))))
    (global.set $nameCap (i32.const 1024))
    (global.set $nameInfo (call $alloc (i32.mul (global.get $nameCap) (i32.const 12))))
    (global.set $nameMask (i32.const 2047))
    (global.set $nameSlots (call $alloc (i32.const 32768)))
    ;; room for 2^30 nodes (16384 blocks)
    (global.set $nodeBlocks (call $alloc (i32.const 65536)))
    (i32.store (global.get $nodeBlocks) (call $alloc (i32.const 786432)))
    (global.set $nodeMask (i32.const 4095))
    (global.set $nodeSlots (call $alloc (i32.const 49152)))
    ;; the root: no parent, no name, no child yet
    (i32.store (call $node (i32.const 0)) (i32.const -1))
    (i32.store offset=4 (call $node (i32.const 0)) (i32.const -1))
    (i32.store offset=8 (call $node (i32.const 0)) (i32.const 0))
    (global.set $nodeCount (i32.const 1)))

  ;; where to copy `len` bytes of input (valid until the next call)
  (func (export "input") (param $len i32) (result i32)
    (if (i32.gt_u (i32.add (local.get $len) (i32.const 8)) (global.get $inCap))
      (then
        (global.set $inCap (i32.add (i32.or (local.get $len) (i32.const 0xfffff)) (i32.const 9)))
        (global.set $inBase (call $alloc (global.get $inCap)))))
    (global.get $inBase))

  ;; the low `k` bytes of a word (k in 1..7)
  (func $lowBytes (param $k i32) (result i64)
    (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $k) (i32.const 3)))) (i64.const 1)))

  (func $mix (param $h i64) (param $w i64) (result i64)
    (local.set $h (i64.mul (i64.xor (local.get $h) (local.get $w)) (i64.const 0x9e3779b97f4a7c15)))
    (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 29))))

  ;; the node of the stack in bytes [p, to): frames split at ';', empty frames skipped
  (func (export "stack") (param $p i32) (param $to i32) (result i32)
    (local $node i32) (local $q i32) (local $h i64) (local $w i64) (local $t i64) (local $k i32) (local $rem i32)
    (local $len i32)
    (block $done
      (loop $frames
        (br_if $done (i32.ge_u (local.get $p) (local.get $to)))
        (local.set $q (local.get $p))
        (local.set $h (i64.const 0x2545f4914f6cdd1d))
        (block $end
          (loop $words
            (local.set $w (i64.load (local.get $q)))
            ;; the first ';' of the word: the lowest byte whose high bit survives (a zero test
            ;; on w ^ ';;;;;;;;' may mark bytes above a real match, never below it)
            (local.set $t (i64.xor (local.get $w) (i64.const 0x3b3b3b3b3b3b3b3b)))
            (local.set $t
              (i64.and
                (i64.and (i64.sub (local.get $t) (i64.const 0x0101010101010101)) (i64.xor (local.get $t) (i64.const -1)))
                (i64.const 0x8080808080808080)))
            (local.set $k (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $t)) (i64.const 3))))
            (local.set $rem (i32.sub (local.get $to) (local.get $q)))
            (if (i32.lt_u (local.get $rem) (local.get $k)) (then (local.set $k (local.get $rem))))
            ;; the word's bytes before the ';' (all 8 when there is none) go into the hash
            ;; (inline: V8 does not inline WebAssembly calls, and this runs per word)
            (if (i32.lt_u (local.get $k) (i32.const 8))
              (then (local.set $w (i64.and (local.get $w)
                (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $k) (i32.const 3)))) (i64.const 1))))))
            (local.set $h (i64.mul (i64.xor (local.get $h) (local.get $w)) (i64.const 0x9e3779b97f4a7c15)))
            (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 29))))
            (local.set $q (i32.add (local.get $q) (local.get $k)))
            (br_if $words (i32.eq (local.get $k) (i32.const 8)))))
        (local.set $len (i32.sub (local.get $q) (local.get $p)))
        (if (local.get $len)
          (then
            (local.set $h (call $mix (local.get $h) (i64.extend_i32_u (local.get $len))))
            (local.set $node
              (call $child (local.get $node)
                (call $intern (local.get $p) (local.get $len) (i32.wrap_i64 (i64.shr_u (local.get $h) (i64.const 32))))))))
        (local.set $p (i32.add (local.get $q) (i32.const 1)))
        (br $frames)))
    (local.get $node))

  ;; whether `len` bytes at a and b are equal (both readable 8 bytes past the end)
  (func $same (param $a i32) (param $b i32) (param $len i32) (result i32)
    (local $k i32)
    (block $tail
      (loop $words
        (br_if $tail (i32.gt_u (i32.add (local.get $k) (i32.const 8)) (local.get $len)))
        (if (i64.ne (i64.load (i32.add (local.get $a) (local.get $k))) (i64.load (i32.add (local.get $b) (local.get $k))))
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (br $words)))
    (if (i32.eq (local.get $k) (local.get $len)) (then (return (i32.const 1))))
    (i64.eqz
      (i64.and
        (i64.xor (i64.load (i32.add (local.get $a) (local.get $k))) (i64.load (i32.add (local.get $b) (local.get $k))))
        (call $lowBytes (i32.sub (local.get $len) (local.get $k))))))

  ;; the id of the name in bytes [p, p + len), added when new
  (func $intern (param $p i32) (param $len i32) (param $h i32) (result i32)
    (local $i i32) (local $s i32) (local $id i32) (local $info i32)
    (local.set $i (i32.and (local.get $h) (global.get $nameMask)))
    (block $empty
      (loop $probe
        (local.set $s (i32.add (global.get $nameSlots) (i32.shl (local.get $i) (i32.const 4))))
        (br_if $empty (i32.eqz (i32.load offset=4 (local.get $s))))
        ;; the bytes are compared only when hash and length agree (i32.and would evaluate the
        ;; comparison, and read the name's first copy, at every slot probed)
        (if (i32.and (i32.eq (i32.load (local.get $s)) (local.get $h)) (i32.eq (i32.load offset=12 (local.get $s)) (local.get $len)))
          (then
            (if (call $same (i32.add (global.get $arenaBase) (i32.load offset=8 (local.get $s))) (local.get $p) (local.get $len))
              (then (return (i32.sub (i32.load offset=4 (local.get $s)) (i32.const 1)))))))
        (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (global.get $nameMask)))
        (br $probe)))
    (local.set $id (global.get $nameCount))
    (if (i32.eq (local.get $id) (global.get $nameCap))
      (then
        (global.set $nameInfo
          (call $moved (global.get $nameInfo) (i32.mul (global.get $nameCap) (i32.const 12)) (i32.mul (global.get $nameCap) (i32.const 24))))
        (global.set $nameCap (i32.shl (global.get $nameCap) (i32.const 1)))))
    (if (i32.gt_u (i32.add (global.get $arenaUsed) (local.get $len)) (global.get $arenaCap))
      (then
        (global.set $arenaCap (i32.shl (i32.add (global.get $arenaUsed) (local.get $len)) (i32.const 1)))
        (global.set $arenaBase (call $moved (global.get $arenaBase) (global.get $arenaUsed) (i32.add (global.get $arenaCap) (i32.const 8))))))
    (memory.copy (i32.add (global.get $arenaBase) (global.get $arenaUsed)) (local.get $p) (local.get $len))
    (local.set $info (i32.add (global.get $nameInfo) (i32.mul (local.get $id) (i32.const 12))))
    (i32.store (local.get $info) (global.get $arenaUsed))
    (i32.store offset=4 (local.get $info) (local.get $len))
    (i32.store offset=8 (local.get $info) (local.get $h))
    (i32.store (local.get $s) (local.get $h))
    (i32.store offset=4 (local.get $s) (i32.add (local.get $id) (i32.const 1)))
    (i32.store offset=8 (local.get $s) (global.get $arenaUsed))
    (i32.store offset=12 (local.get $s) (local.get $len))
    (global.set $arenaUsed (i32.add (global.get $arenaUsed) (local.get $len)))
    (global.set $nameCount (i32.add (local.get $id) (i32.const 1)))
    ;; at half load the table doubles
    (if (i32.gt_u (i32.shl (global.get $nameCount) (i32.const 1)) (global.get $nameMask))
      (then (call $rehashNames)))
    (local.get $id))

  (func $rehashNames
    (local $id i32) (local $info i32) (local $i i32) (local $s i32)
    (global.set $nameMask (i32.or (i32.shl (global.get $nameMask) (i32.const 1)) (i32.const 1)))
    (global.set $nameSlots (call $alloc (i32.shl (i32.add (global.get $nameMask) (i32.const 1)) (i32.const 4))))
    (block $done
      (loop $names
        (br_if $done (i32.ge_u (local.get $id) (global.get $nameCount)))
        (local.set $info (i32.add (global.get $nameInfo) (i32.mul (local.get $id) (i32.const 12))))
        (local.set $i (i32.and (i32.load offset=8 (local.get $info)) (global.get $nameMask)))
        (block $found
          (loop $probe
            (local.set $s (i32.add (global.get $nameSlots) (i32.shl (local.get $i) (i32.const 4))))
            (br_if $found (i32.eqz (i32.load offset=4 (local.get $s))))
            (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (global.get $nameMask)))
            (br $probe)))
        (i32.store (local.get $s) (i32.load offset=8 (local.get $info)))
        (i32.store offset=4 (local.get $s) (i32.add (local.get $id) (i32.const 1)))
        (i32.store offset=8 (local.get $s) (i32.load (local.get $info)))
        (i32.store offset=12 (local.get $s) (i32.load offset=4 (local.get $info)))
        (local.set $id (i32.add (local.get $id) (i32.const 1)))
        (br $names))))

  (func $hashPair (param $a i32) (param $b i32) (result i32)
    (local $h i32)
    (local.set $h
      (i32.xor (i32.mul (local.get $a) (i32.const 0x9e3779b1))
        (i32.mul (i32.add (local.get $b) (i32.const 0x7f4a7c15)) (i32.const 0x85ebca77))))
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 15))) (i32.const 0x2c1b3c6d)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))

  ;; the child of `parent` named `name`, created on first use. Most nodes of a large tree have
  ;; at most one child: its id sits in the parent's own record, so a chain of new nodes is
  ;; written in sequence without a hash probe that misses the cache.
  (func $child (param $parent i32) (param $name i32) (result i32)
    (local $only i32) (local $onlyName i32) (local $id i32) (local $i i32) (local $s i32) (local $stored i32)
    (local.set $only (i32.load offset=8 (call $node (local.get $parent))))
    (if (i32.eqz (local.get $only))
      (then
        (local.set $id (call $addNode (local.get $parent) (local.get $name)))
        (i32.store offset=8 (call $node (local.get $parent)) (local.get $id))
        (return (local.get $id))))
    (if (i32.gt_s (local.get $only) (i32.const 0))
      (then
        (local.set $onlyName (i32.load offset=4 (call $node (local.get $only))))
        (if (i32.eq (local.get $onlyName) (local.get $name)) (then (return (local.get $only))))
        ;; a second child: from now on the children of `parent` are found through the table
        (i32.store offset=8 (call $node (local.get $parent)) (i32.const -1))
        (call $index (local.get $parent) (local.get $onlyName) (local.get $only))
        (local.set $id (call $addNode (local.get $parent) (local.get $name)))
        (call $index (local.get $parent) (local.get $name) (local.get $id))
        (return (local.get $id))))
    (local.set $i (i32.and (call $hashPair (local.get $parent) (local.get $name)) (global.get $nodeMask)))
    (block $empty
      (loop $probe
        (local.set $s (i32.add (global.get $nodeSlots) (i32.mul (local.get $i) (i32.const 12))))
        (local.set $stored (i32.load offset=8 (local.get $s)))
        (br_if $empty (i32.eqz (local.get $stored)))
        (if (i32.and (i32.eq (i32.load (local.get $s)) (local.get $parent)) (i32.eq (i32.load offset=4 (local.get $s)) (local.get $name)))
          (then (return (i32.sub (local.get $stored) (i32.const 1)))))
        (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (global.get $nodeMask)))
        (br $probe)))
    (local.set $id (call $addNode (local.get $parent) (local.get $name)))
    (call $index (local.get $parent) (local.get $name) (local.get $id))
    (local.get $id))

  ;; the record of node `id`
  (func $node (param $id i32) (result i32)
    (i32.add
      (i32.load (i32.add (global.get $nodeBlocks) (i32.shl (i32.shr_u (local.get $id) (i32.const 16)) (i32.const 2))))
      (i32.mul (i32.and (local.get $id) (i32.const 0xffff)) (i32.const 12))))

  (func $addNode (param $parent i32) (param $name i32) (result i32)
    (local $id i32) (local $o i32)
    (local.set $id (global.get $nodeCount))
    (if (i32.eqz (i32.and (local.get $id) (i32.const 0xffff)))
      (then
        (if (i32.ge_u (local.get $id) (i32.const 0x40000000)) (then unreachable))
        (i32.store (i32.add (global.get $nodeBlocks) (i32.shl (i32.shr_u (local.get $id) (i32.const 16)) (i32.const 2)))
          (call $alloc (i32.const 786432)))))
    (local.set $o (call $node (local.get $id)))
    (i32.store (local.get $o) (local.get $parent))
    (i32.store offset=4 (local.get $o) (local.get $name))
    (i32.store offset=8 (local.get $o) (i32.const 0))
    (global.set $nodeCount (i32.add (local.get $id) (i32.const 1)))
    (local.get $id))

  ;; (parent, name) -> id into nodeSlots, which double when 70 % full
  (func $index (param $parent i32) (param $name i32) (param $id i32)
    (global.set $nodeSlotsUsed (i32.add (global.get $nodeSlotsUsed) (i32.const 1)))
    (if (i32.gt_u (i32.mul (global.get $nodeSlotsUsed) (i32.const 10)) (i32.mul (i32.add (global.get $nodeMask) (i32.const 1)) (i32.const 7)))
      (then (call $rehashNodes)))
    (call $place (global.get $nodeSlots) (local.get $parent) (local.get $name) (i32.add (local.get $id) (i32.const 1))))

  (func $place (param $slots i32) (param $parent i32) (param $name i32) (param $stored i32)
    (local $i i32) (local $s i32)
    (local.set $i (i32.and (call $hashPair (local.get $parent) (local.get $name)) (global.get $nodeMask)))
    (block $empty
      (loop $probe
        (local.set $s (i32.add (local.get $slots) (i32.mul (local.get $i) (i32.const 12))))
        (br_if $empty (i32.eqz (i32.load offset=8 (local.get $s))))
        (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (global.get $nodeMask)))
        (br $probe)))
    (i32.store (local.get $s) (local.get $parent))
    (i32.store offset=4 (local.get $s) (local.get $name))
    (i32.store offset=8 (local.get $s) (local.get $stored)))

  (func $rehashNodes
    (local $old i32) (local $end i32) (local $s i32)
    (local.set $old (global.get $nodeSlots))
    (local.set $end (i32.add (local.get $old) (i32.mul (i32.add (global.get $nodeMask) (i32.const 1)) (i32.const 12))))
    (global.set $nodeMask (i32.or (i32.shl (global.get $nodeMask) (i32.const 1)) (i32.const 1)))
    (global.set $nodeSlots (call $alloc (i32.mul (i32.add (global.get $nodeMask) (i32.const 1)) (i32.const 12))))
    (local.set $s (local.get $old))
    (block $done
      (loop $slots
        (br_if $done (i32.ge_u (local.get $s) (local.get $end)))
        (if (i32.load offset=8 (local.get $s))
          (then (call $place (global.get $nodeSlots) (i32.load (local.get $s)) (i32.load offset=4 (local.get $s)) (i32.load offset=8 (local.get $s)))))
        (local.set $s (i32.add (local.get $s) (i32.const 12)))
        (br $slots))))
)
