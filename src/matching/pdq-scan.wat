;; The inner loop of the PDQ multi-index (src/matching/pdq.ts), in WebAssembly because i32.popcnt does in one
;; instruction what JavaScript needs a dozen for. For each probe (slot, slot value) it walks that bucket of the slot's
;; table and keeps the entries whose three stored words are within the threshold of the query's words for the slot.
;; `npm run wasm:build` assembles it into pdq-scan.wasm.ts.
(module
  (import "env" "memory" (memory 1))
  ;; probes: pairs of i32 (slot, value); words: 3 i32 per slot; offsets: 65,537 i32 per slot (bucket starts);
  ;; inline: 3 i32 per entry, n entries per slot; out: the positions (slot * n + k) kept, at most cap of them.
  ;; When out is full the scan stops and saves where it was at `state` (probe, entry); called with resume = 1 it goes
  ;; on from there. Returns how many positions it wrote.
  (func (export "scan")
    (param $probes i32) (param $count i32) (param $words i32) (param $offsets i32) (param $inline i32)
    (param $n i32) (param $max i32) (param $out i32) (param $cap i32) (param $state i32) (param $resume i32)
    (result i32)
    (local $p i32) (local $slot i32) (local $at i32) (local $k i32) (local $end i32)
    (local $qa i32) (local $qb i32) (local $qc i32) (local $row i32) (local $e i32) (local $found i32)
    (if (local.get $resume) (then (local.set $p (i32.load (local.get $state)))))
    (block $done
      (loop $probe
        (br_if $done (i32.ge_u (local.get $p) (local.get $count)))
        (local.set $at (i32.add (local.get $probes) (i32.shl (local.get $p) (i32.const 3))))
        (local.set $slot (i32.load (local.get $at)))
        (local.set $at
          (i32.add (local.get $offsets)
            (i32.shl (i32.add (i32.mul (local.get $slot) (i32.const 65537)) (i32.load offset=4 (local.get $at))) (i32.const 2))))
        (local.set $k (i32.load (local.get $at)))
        (local.set $end (i32.load offset=4 (local.get $at)))
        (if (local.get $resume)
          (then
            (local.set $k (i32.load offset=4 (local.get $state)))
            (local.set $resume (i32.const 0))))
        (local.set $at (i32.add (local.get $words) (i32.mul (local.get $slot) (i32.const 12))))
        (local.set $qa (i32.load (local.get $at)))
        (local.set $qb (i32.load offset=4 (local.get $at)))
        (local.set $qc (i32.load offset=8 (local.get $at)))
        (local.set $row (i32.mul (local.get $slot) (local.get $n)))
        (block $bucket
          (loop $entry
            (br_if $bucket (i32.ge_u (local.get $k) (local.get $end)))
            (local.set $e (i32.add (local.get $inline) (i32.mul (i32.add (local.get $row) (local.get $k)) (i32.const 12))))
            (if
              (i32.le_u
                (i32.add
                  (i32.add
                    (i32.popcnt (i32.xor (i32.load (local.get $e)) (local.get $qa)))
                    (i32.popcnt (i32.xor (i32.load offset=4 (local.get $e)) (local.get $qb))))
                  (i32.popcnt (i32.xor (i32.load offset=8 (local.get $e)) (local.get $qc))))
                (local.get $max))
              (then
                (if (i32.ge_u (local.get $found) (local.get $cap))
                  (then
                    (i32.store (local.get $state) (local.get $p))
                    (i32.store offset=4 (local.get $state) (local.get $k))
                    (return (local.get $found))))
                (i32.store
                  (i32.add (local.get $out) (i32.shl (local.get $found) (i32.const 2)))
                  (i32.add (local.get $row) (local.get $k)))
                (local.set $found (i32.add (local.get $found) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $entry)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $probe)))
    (i32.store (local.get $state) (local.get $count))
    (local.get $found)))
