;; The tokenizer's hot loop (see heaptrack-tokens.ts): turns `+ <hex>` / `- <hex>` lines into
;; tokens (v + 1 / -(v + 1)) and stops at anything else, which the JavaScript side handles.
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
)
