import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presentName, shortenTemplates } from '../../src/analyze/names.js';

test('template shortening as heaptrack_print does it', () => {
  const q = (s: string) => shortenTemplates(s, true);
  assert.equal(
    q('std::vector<std::pair<int, std::map<int, int> > >::push_back(int const&)'),
    'std::vector<>::push_back(int const&)',
  );
  assert.equal(q('Foo::operator<<(int)'), 'Foo::operator<<(int)');
  assert.equal(q('Foo::operator<(Foo const&)'), 'Foo::operator<(Foo const&)');
  assert.equal(q('Foo::operator>>(int)'), 'Foo::operator>>(int)');
  // heaptrack's quirk: `operator->` leaves the depth negative and drops the rest
  assert.equal(q('std::unique_ptr<Bar>::operator->() const'), 'std::unique_ptr<>::operator-');
});

test('fixed template shortening keeps operator->, operator->* and operator<=>', () => {
  const f = (s: string) => shortenTemplates(s, false);
  assert.equal(f('std::unique_ptr<Bar>::operator->() const'), 'std::unique_ptr<>::operator->() const');
  assert.equal(f('Ptr<T>::operator->*(int Foo::*)'), 'Ptr<>::operator->*(int Foo::*)');
  assert.equal(
    f('std::strong_ordering Version<int>::operator<=>(Version<int> const&) const'),
    'std::strong_ordering Version<>::operator<=>(Version<> const&) const',
  );
  assert.equal(f('plain_c_function'), 'plain_c_function');
  assert.equal(f('a > b'), 'a > b');
});

test('display names: Rust demangled without shortening, C++ shortened, raw mode untouched by demangling', () => {
  assert.equal(
    presentName('s3sim::handle_get_object::h3f262293a07c4427', false, false, true),
    's3sim::handle_get_object',
  );
  assert.equal(
    presentName('s3sim::handle_get_object::h3f262293a07c4427', false, true, true),
    's3sim::handle_get_object::h3f262293a07c4427',
  );
  assert.equal(
    presentName('s3sim::handle_get_object::h3f262293a07c4427', true, false, true),
    's3sim::handle_get_object::h3f262293a07c4427',
  );
  assert.equal(
    presentName('alloc::vec::Vec$LT$T$C$A$GT$::push::h27da0123456789ab', false, false, true),
    'alloc::vec::Vec<T,A>::push',
  );
  assert.equal(
    presentName('std::vector<int>::push_back(int const&)', false, false, true),
    'std::vector<>::push_back(int const&)',
  );
  assert.equal(
    presentName('std::vector<int>::push_back(int const&)', false, false, false),
    'std::vector<int>::push_back(int const&)',
  );
});
