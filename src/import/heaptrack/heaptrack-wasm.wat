;; The tokenizer's hot loop (see heaptrack-tokens.ts): turns `+ <hex>` / `- <hex>` lines into
;; tokens (v + 1 / -(v + 1)), `t <hex> <hex>` and `a <hex> <hex>` lines into 0, code, a, b (a
;; compiler's recording has one such line for every six events), and stops at anything else,
;; which the JavaScript side handles.
;; Built to heaptrack-wasm.wasm by scripts/build-wasm.mjs.
(module
  (memory (export "memory") 64)
  ;; 0: the input is used up (pos is the end, or the start of an incomplete line)
  ;; 1: a line that is not a plain event starts at pos
  ;; 2: the token area is full
  (global $status (export "status") (mut i32) (i32.const 0))
  (global $outPos (export "outPos") (mut i32) (i32.const 0))

  ;; scan(pos, end, out, outEnd) -> pos; tokens are written from `out` up to `outPos`
  (func (export "scan") (param $pos i32) (param $end i32) (param $out i32) (param $outEnd i32) (result i32)
    (local $mode i32) (local $i i32) (local $c i32) (local $d i32) (local $v i32) (local $digits i32)
    (block $stop
      (loop $line
        (if (i32.ge_u (local.get $pos) (local.get $end))
          (then (global.set $status (i32.const 0)) (br $stop)))
        (local.set $mode (i32.load8_u (local.get $pos)))
        (global.set $status (i32.const 1))
        (if (i32.or (i32.eq (local.get $mode) (i32.const 116)) (i32.eq (local.get $mode) (i32.const 97)))
          (then
            ;; 't' (116) or 'a' (97): a pair of numbers, or stop (text, or the input's end)
            (local.set $i (call $pair (local.get $pos) (local.get $end) (local.get $out) (local.get $outEnd)))
            (br_if $stop (i32.eqz (local.get $i)))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (local.set $pos (local.get $i))
            (br $line)))
        ;; '+' (43) or '-' (45) followed by ' ' (32)
        (br_if $stop (i32.and (i32.ne (local.get $mode) (i32.const 43)) (i32.ne (local.get $mode) (i32.const 45))))
        (if (i32.ge_u (i32.add (local.get $pos) (i32.const 1)) (local.get $end))
          (then (global.set $status (i32.const 0)) (br $stop)))
        (br_if $stop (i32.ne (i32.load8_u offset=1 (local.get $pos)) (i32.const 32)))
        (local.set $i (i32.add (local.get $pos) (i32.const 2)))
        (local.set $v (i32.const 0))
        (local.set $digits (i32.const 0))
        ;; Hex digits are random, so a branch per digit mispredicts a third of the time: decode
        ;; without branches ('0'-'9' -> c & 15, 'a'-'f' -> (c & 15) + 9) and only remember
        ;; whether every byte was a hex digit; the one branch per byte is the newline test.
        (local.set $d (i32.const 1)) ;; all digits valid so far
        (block $endhex
          (loop $hex
            (if (i32.ge_u (local.get $i) (local.get $end))
              (then (global.set $status (i32.const 0)) (br $stop)))
            (local.set $c (i32.load8_u (local.get $i)))
            (br_if $endhex (i32.eq (local.get $c) (i32.const 10)))
            (local.set $d
              (i32.and (local.get $d)
                (i32.or
                  (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
                  (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 6)))))
            (local.set $v
              (i32.or (i32.shl (local.get $v) (i32.const 4))
                (i32.add (i32.and (local.get $c) (i32.const 15))
                  (i32.mul (i32.shr_u (local.get $c) (i32.const 6)) (i32.const 9)))))
            (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $hex)))
        (br_if $stop (i32.eqz (local.get $d)))
        ;; a plain event: a newline right after 1 to 7 digits (larger indices go as text)
        (br_if $stop (i32.eqz (local.get $digits)))
        (br_if $stop (i32.gt_u (local.get $digits) (i32.const 7)))
        (if (i32.ge_u (local.get $out) (local.get $outEnd))
          (then (global.set $status (i32.const 2)) (br $stop)))
        (i32.store (local.get $out)
          (select
            (i32.add (local.get $v) (i32.const 1))
            (i32.sub (i32.const -1) (local.get $v))
            (i32.eq (local.get $mode) (i32.const 43))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $pos (i32.add (local.get $i) (i32.const 1)))
        (br $line)))
    (global.set $outPos (local.get $out))
    (local.get $pos))
  ;; hexField(pos, end, stop) -> value, or -1: 1 to 7 lowercase hex digits from pos, ended by the
  ;; byte `stop`; $fieldEnd is where that byte is. -2 when the input ends first.
  (global $fieldEnd (mut i32) (i32.const 0))
  (func $hexField (param $i i32) (param $end i32) (param $stop i32) (result i32)
    (local $c i32) (local $v i32) (local $start i32) (local $ok i32)
    (local.set $start (local.get $i))
    (local.set $ok (i32.const 1))
    (block $done
      (loop $hex
        (if (i32.ge_u (local.get $i) (local.get $end)) (then (return (i32.const -2))))
        (local.set $c (i32.load8_u (local.get $i)))
        (br_if $done (i32.eq (local.get $c) (local.get $stop)))
        ;; a line that ends early is text (and a newline is never read past)
        (if (i32.eq (local.get $c) (i32.const 10)) (then (return (i32.const -1))))
        (local.set $ok
          (i32.and (local.get $ok)
            (i32.or
              (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
              (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 6)))))
        (local.set $v
          (i32.or (i32.shl (local.get $v) (i32.const 4))
            (i32.add (i32.and (local.get $c) (i32.const 15))
              (i32.mul (i32.shr_u (local.get $c) (i32.const 6)) (i32.const 9)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        ;; past 7 digits (or a newline inside the first field): not a plain pair
        (br_if $hex (i32.le_u (i32.sub (local.get $i) (local.get $start)) (i32.const 7)))
        (return (i32.const -1))))
    (global.set $fieldEnd (local.get $i))
    (if (i32.or (i32.eqz (local.get $ok)) (i32.eq (local.get $i) (local.get $start))) (then (return (i32.const -1))))
    (local.get $v))

  ;; pair(pos, end, out, outEnd) -> the next line's start, or 0 (status set): `m <hex> <hex>\n`
  ;; as the tokens 0, code (TRACE_LINE 0x7ffffffd for t, INFO_LINE 0x7ffffffc for a: tokens.ts), a, b.
  (func $pair (param $pos i32) (param $end i32) (param $out i32) (param $outEnd i32) (result i32)
    (local $a i32) (local $b i32)
    (if (i32.ge_u (i32.add (local.get $pos) (i32.const 1)) (local.get $end))
      (then (global.set $status (i32.const 0)) (return (i32.const 0))))
    (if (i32.ne (i32.load8_u offset=1 (local.get $pos)) (i32.const 32)) (then (return (i32.const 0))))
    (local.set $a (call $hexField (i32.add (local.get $pos) (i32.const 2)) (local.get $end) (i32.const 32)))
    (if (i32.eq (local.get $a) (i32.const -2)) (then (global.set $status (i32.const 0)) (return (i32.const 0))))
    (if (i32.lt_s (local.get $a) (i32.const 0)) (then (return (i32.const 0))))
    (local.set $b (call $hexField (i32.add (global.get $fieldEnd) (i32.const 1)) (local.get $end) (i32.const 10)))
    (if (i32.eq (local.get $b) (i32.const -2)) (then (global.set $status (i32.const 0)) (return (i32.const 0))))
    (if (i32.lt_s (local.get $b) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.gt_u (i32.add (local.get $out) (i32.const 16)) (local.get $outEnd))
      (then (global.set $status (i32.const 2)) (return (i32.const 0))))
    (i32.store (local.get $out) (i32.const 0))
    (i32.store offset=4 (local.get $out)
      (select (i32.const 0x7ffffffd) (i32.const 0x7ffffffc) (i32.eq (i32.load8_u (local.get $pos)) (i32.const 116))))
    (i32.store offset=8 (local.get $out) (local.get $a))
    (i32.store offset=12 (local.get $out) (local.get $b))
    (i32.add (global.get $fieldEnd) (i32.const 1)))
)
