import MediaIO
import Testing

@Suite("Contact sheets and charts")
struct ContactSheetTests {
    @Test("sheet dimensions follow columns, thumbnail width and gap")
    func dimensions() {
        let images = (0..<5).map { _ in Fixtures.plasma(width: 64, height: 32) }
        let sheet = ContactSheet.make(images: images, columns: 3, thumbWidth: 16, gap: 2)
        #expect(sheet.width == 3 * 16 + 4 * 2)
        #expect(sheet.height == 2 * 8 + 3 * 2)
        #expect(sheet.pixels.count == sheet.width * sheet.height * 3)
        let single = ContactSheet.make(images: [images[0]], columns: 4, thumbWidth: 10, gap: 0)
        #expect(single.width == 10 && single.height == 5)
        let mixed = ContactSheet.make(images: [images[0], Fixtures.plasma(width: 10, height: 30)],
                                      columns: 2, thumbWidth: 10, gap: 1)
        #expect(mixed.height == 30 + 2)
        #expect(ContactSheet.make(images: [], columns: 2, thumbWidth: 8).width == 1)
    }

    @Test("box filter averages exactly and keeps solid colours")
    func boxFilter() {
        var checker = RGBImage(width: 4, height: 2)
        for y in 0..<2 {
            for x in 0..<4 where (x + y) % 2 == 0 { checker[x, y] = (200, 100, 50) }
        }
        let sheet = ContactSheet.make(images: [checker], columns: 1, thumbWidth: 2, gap: 0)
        #expect(sheet.width == 2 && sheet.height == 1)
        #expect(sheet.pixels == [100, 50, 25, 100, 50, 25])

        let solid = RGBImage(width: 37, height: 23, fill: (9, 99, 199))
        let thumb = ContactSheet.make(images: [solid], columns: 1, thumbWidth: 11, gap: 0)
        #expect(thumb.height == 7)
        #expect(thumb == RGBImage(width: 11, height: 7, fill: (9, 99, 199)))
    }

    @Test("line chart draws a curve and tolerates odd values", arguments: [false, true])
    func lineChart(logScale: Bool) {
        let losses: [Float] = (0..<200).map { 1 / Float($0 + 1) } + [.nan, 0, -1, .infinity]
        let chart = ContactSheet.lineChart(values: losses, width: 160, height: 90,
                                           logScale: logScale)
        #expect(chart.width == 160 && chart.height == 90)
        let background = chart[chart.width - 1, 0]
        let drawn = (0..<chart.width * chart.height).filter { index in
            chart[index % chart.width, index / chart.width] != background
        }.count
        #expect(drawn > 160)
        let empty = ContactSheet.lineChart(values: [], width: 20, height: 20, logScale: logScale)
        #expect(empty.width == 20)
        let flat = ContactSheet.lineChart(values: [3, 3, 3], width: 20, height: 20,
                                          logScale: logScale)
        #expect(flat.height == 20)
    }
}
