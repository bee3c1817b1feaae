import assert from "node:assert/strict";
import { test } from "node:test";
import { ResultOrder } from "./result-order.ts";

test("result order: a report that ends later holds back the ones after it, which then run in order; ready ones run at once", () => {
  const order = new ResultOrder();
  const sent: number[] = [];
  const sends = (task: number) => (done: () => void) => {
    sent.push(task);
    done();
  };
  order.add(1, sends(1));
  let finishTwo!: () => void;
  order.add(2, (done) => {
    finishTwo = () => sends(2)(done);
  });
  order.add(3, sends(3));
  order.add(4, sends(4));
  assert.deepEqual([sent, order.length], [[1], 3]);
  finishTwo();
  assert.deepEqual([sent, order.length], [[1, 2, 3, 4], 0]);
  assert.throws(() => finishTwo(), /ended twice/);
});

test("result order: an abort drops a waiting or listing report (and only until it ends); a closed connection drops all", () => {
  const order = new ResultOrder();
  let finishOne!: () => void;
  order.add(1, (done) => {
    finishOne = done;
  });
  const dropped: Array<[number, boolean]> = [];
  const notes = (task: number) => (done: () => void) => {
    dropped.push([task, order.dropped(task)]);
    done();
  };
  order.add(2, notes(2));
  order.add(3, notes(3));
  assert.deepEqual([order.cancel(1), order.cancel(2), order.cancel(9)], [true, true, false]);
  assert.equal(order.dropped(1), true);
  finishOne();
  assert.deepEqual(dropped, [[2, true], [3, false]]);
  assert.equal(order.dropped(2), false, "forgotten once its report ended (task numbers come back with a rerun)");
  order.close();
  assert.equal(order.dropped(4), true);
});

test("result order: at most its limit of reports wait; past it is a broken invariant, and hasRoom says so before", () => {
  const order = new ResultOrder(3);
  order.add(1, () => {}); // in progress, never done
  order.add(2, (done) => done());
  assert.deepEqual([order.hasRoom(1), order.hasRoom(2)], [true, false]);
  order.add(3, (done) => done());
  assert.throws(() => order.add(4, (done) => done()), /more than 3 task results waiting to leave/);
  assert.equal(order.length, 3);
});
